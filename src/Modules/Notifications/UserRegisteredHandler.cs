using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserRegisteredHandler
{
    public const string Template = "welcome";

    public static async Task Handle(UserRegistered registered, IDocumentSession session, IMailSender mail, MailSettings settings,
        ILogger<UserRegistered> logger, CancellationToken ct)
    {
        var message = EmailTemplates.Render(Template, new { name = registered.Name, email = registered.Email },
            settings.From, new MailboxAddress(registered.Name, registered.Email));

        await mail.SendOnceAsync(session, logger, registered.EventId, Template, registered.UserId, message, ct);
    }
}
