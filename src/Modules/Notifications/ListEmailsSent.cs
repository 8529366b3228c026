using Marten;
using Modular.Notifications.Contracts;

namespace Modular.Notifications;

/// <summary>The e-mails the delivery log says were sent to a user (the export of <c>GET /api/v1/users/me/export</c>).</summary>
public static class ListEmailsSentHandler
{
    public static async Task<EmailsSent> Handle(ListEmailsSent query, IQuerySession session, CancellationToken ct)
    {
        if (query.UserId == Guid.Empty) return new EmailsSent([]); // the rows of deleted accounts: nobody's
        var sent = await session.Query<SentEmail>().Where(e => e.UserId == query.UserId)
            .OrderBy(e => e.SentAt).ToListAsync(ct);
        return new EmailsSent(sent.Select(e => new EmailSentView(e.Template, e.SentAt, e.MessageId)).ToArray());
    }
}
