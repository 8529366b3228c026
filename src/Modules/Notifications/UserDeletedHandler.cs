using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserDeletedHandler
{
    public const string Template = "goodbye";

    public static async Task Handle(UserDeleted deleted, IDocumentSession session, IMailSender mail, MailSettings settings,
        ILogger<UserDeleted> logger, CancellationToken ct)
    {
        await mail.SendOnceAsync(session, settings, logger, Template, deleted.EventId, deleted.UserId,
            new MailboxAddress(deleted.Name, deleted.Email), new { name = deleted.Name, email = deleted.Email }, ct);
    }
}
