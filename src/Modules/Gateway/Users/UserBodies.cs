using Messages = Modular.Users.Contracts;

namespace Modular.Gateway.Users;

// The bodies of the public API about users: the gateway's own records, mapped from the messages Users answers with,
// so that a change to a message between the modules is not a change to the API (and nothing a message carries for
// the gateway alone, such as a page's Found, reaches a client). tests/Modular.Tests/Scenarios/openapi.json holds them.

/// <summary>An account as the API shows it: never a password hash.</summary>
/// <param name="EmailVerifiedAt">When the owner proved the address is theirs (the link of the welcome e-mail); null until then.</param>
public sealed record User(
    Guid Id,
    string Email,
    string Name,
    IReadOnlyList<string> Roles,
    bool EmailVerified,
    DateTimeOffset? EmailVerifiedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static User From(Messages.UserDetails user) =>
        new(user.Id, user.Email, user.Name, user.Roles, user.EmailVerified, user.EmailVerifiedAt, user.CreatedAt, user.UpdatedAt);
}

/// <summary>A page of <c>GET /api/v1/users</c>; <paramref name="Page"/> is 1-based.</summary>
public sealed record UserPage(IReadOnlyList<User> Items, int Page, int PageSize, long Total)
{
    public static UserPage From(Messages.UserPage page) => new([.. page.Items.Select(User.From)], page.Page, page.PageSize, page.Total);
}

/// <summary>One entry of an account's security trail.</summary>
public sealed record SecurityEvent(Guid Id, string Type, DateTimeOffset OccurredAt, string? IpPrefix, string? UserAgent, string? SessionId)
{
    public static SecurityEvent From(Messages.SecurityEventView e) => new(e.Id, e.Type, e.OccurredAt, e.IpPrefix, e.UserAgent, e.SessionId);
}

/// <summary>A page of an account's security trail, newest first.</summary>
public sealed record SecurityEventPage(IReadOnlyList<SecurityEvent> Items, int Page, int PageSize, long Total)
{
    public static SecurityEventPage From(Messages.SecurityEventPage page) =>
        new([.. page.Items.Select(SecurityEvent.From)], page.Page, page.PageSize, page.Total);
}

/// <summary>An e-mail the service sent to the account, as its delivery log records it.</summary>
/// <param name="MessageId">The Message-ID the SMTP server was given.</param>
public sealed record EmailSent(string Template, DateTimeOffset SentAt, string MessageId)
{
    public static EmailSent From(Modular.Notifications.Contracts.EmailSentView e) => new(e.Template, e.SentAt, e.MessageId);
}
