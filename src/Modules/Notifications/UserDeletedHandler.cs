using Marten;
using Marten.Patching;
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
        // The last e-mail, and the last row that names the account: every row of the delivery log stays as the
        // dedupe key of its event, but no longer says whose e-mail it was.
        await mail.SendOnceAsync(session, settings, logger, Template, deleted.EventId, Guid.Empty,
            new MailboxAddress(deleted.Name, deleted.Email), new { name = deleted.Name, email = deleted.Email }, ct);
        session.Patch<SentEmail>(e => e.UserId == deleted.UserId).Set(e => e.UserId, Guid.Empty);
    }
}
