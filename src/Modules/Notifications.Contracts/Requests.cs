using Modular.Contracts;

namespace Modular.Notifications.Contracts;

// Gateway -> Notifications requests; on topic notifications.requests in split mode (NotificationsTopics).
// Full type names are the wire identity: keep the namespace.

/// <summary>Answered with <see cref="EmailsSent"/>: what the delivery log holds of the e-mails sent to the user, oldest first.</summary>
public sealed record ListEmailsSent(Guid UserId) : IRequest;

public sealed record EmailsSent(IReadOnlyList<EmailSentView> Items);

/// <param name="MessageId">The e-mail's <c>Message-ID</c> header, as the recipient's mail system shows it.</param>
public sealed record EmailSentView(string Template, DateTimeOffset SentAt, string MessageId);
