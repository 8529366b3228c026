using Marten;
using Marten.Patching;
using MimeKit;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserDeletedHandler
{
    public const string Template = "goodbye";

    /// <summary>
    /// The last e-mail, and the last row that names the account: every row of the delivery log stays as the dedupe key
    /// of its event, but no longer says whose e-mail it was (the patch commits with the handler, after the goodbye e-mail's own row).
    /// </summary>
    public static Email Handle(UserDeleted deleted, IDocumentSession session)
    {
        session.Patch<SentEmail>(e => e.UserId == deleted.UserId).Set(e => e.UserId, Guid.Empty);
        return new(Template, deleted.EventId, Guid.Empty, new MailboxAddress(deleted.Name, deleted.Email),
            new { name = deleted.Name, email = deleted.Email });
    }
}
