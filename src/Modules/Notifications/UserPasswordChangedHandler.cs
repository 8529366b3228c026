using System.Globalization;
using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserPasswordChangedHandler
{
    public const string Template = "password-changed";

    public static async Task Handle(UserPasswordChanged changed, IDocumentSession session, IMailSender mail, MailSettings settings,
        ILogger<UserPasswordChanged> logger, CancellationToken ct)
    {
        var changedAt = changed.ChangedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var message = EmailTemplates.Render(Template, new { name = changed.Name, email = changed.Email, changed_at = changedAt },
            settings.From, new MailboxAddress(changed.Name, changed.Email));

        await mail.SendOnceAsync(session, logger, changed.EventId, Template, changed.UserId, message, ct);
    }
}
