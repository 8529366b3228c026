using Modular.Contracts;

namespace Modular.Users.Contracts;

/// <summary>
/// What a security event says of the client that caused it: its network (IPv4 /24, IPv6 /48, never the address)
/// and its User-Agent, and the session (the gateway's token family) it happened in, when there is one.
/// </summary>
public sealed record RequestOrigin(string? IpPrefix, string? UserAgent, string? SessionId = null);

/// <summary>The kinds of the security trail (<c>GET /api/v1/users/me/security-events</c>).</summary>
public static class SecurityEventTypes
{
    public const string Registered = "registered";
    public const string EmailVerified = "email-verified";
    public const string LoginSucceeded = "login-succeeded";
    public const string LoginFailed = "login-failed";
    public const string LockedOut = "locked-out";
    public const string PasswordChanged = "password-changed";
    public const string PasswordReset = "password-reset";
    public const string RefreshTokenReused = "refresh-token-reused";
    public const string SessionEnded = "session-ended";
    public const string AccountDeleted = "account-deleted";

    /// <summary>The kinds only the gateway sees; Users writes every other one itself.</summary>
    public static readonly IReadOnlySet<string> FromGateway = new HashSet<string> { RefreshTokenReused, SessionEnded };
}

/// <summary>
/// Sent, not invoked, by the gateway for what only it sees (a session ended, a refresh token presented twice):
/// Users writes it to the trail. It is sent before the gateway answers and never expires on the way, so an answer
/// the client saw always has its event, even when the gateway dies right after.
/// </summary>
public sealed record RecordSecurityEvent(Guid EventId, Guid UserId, string Type, DateTimeOffset OccurredAt, RequestOrigin Client) : IRequest;

/// <summary>Answered with a <see cref="SecurityEventPage"/>, newest first; null items when the account does not exist. Page is 1-based.</summary>
public sealed record ListSecurityEvents(Guid UserId, int Page, int PageSize) : IRequest;

public sealed record SecurityEventView(Guid Id, string Type, DateTimeOffset OccurredAt, string? IpPrefix, string? UserAgent, string? SessionId);

/// <param name="Found">False when there is no such account: the gateway answers 404.</param>
public sealed record SecurityEventPage(IReadOnlyList<SecurityEventView> Items, int Page, int PageSize, long Total, bool Found = true);
