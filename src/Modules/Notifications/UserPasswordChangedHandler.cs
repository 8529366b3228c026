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
        await mail.SendOnceAsync(session, settings, logger, Template, changed.EventId, changed.UserId,
            new MailboxAddress(changed.Name, changed.Email),
            new { name = changed.Name, email = changed.Email, changed_at = EmailTemplates.UtcMinute(changed.ChangedAt) }, ct);
    }
}
