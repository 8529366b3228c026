using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserDeletedHandler
{
    public const string Template = "goodbye";

    public static async Task Handle(UserDeleted deleted, IDocumentSession session, IMailSender mail, MailSettings settings,
        ILogger<UserDeleted> logger, CancellationToken ct)
    {
        var message = EmailTemplates.Render(Template, new { name = deleted.Name, email = deleted.Email },
            settings.From, new MailboxAddress(deleted.Name, deleted.Email));

        await mail.SendOnceAsync(session, logger, deleted.EventId, Template, deleted.UserId, message, ct);
    }
}
