using Microsoft.Extensions.Logging;
using Modular.BuildingBlocks.Http;
using Modular.Users.Contracts;
using Prometheus;
using Wolverine;

namespace Modular.Gateway.Tokens;

/// <summary>
/// What a security operator wants to see, as structured log lines of category <c>Modular.Security</c> (the
/// property <c>SecurityEvent</c> names the kind; never a password or a token) and as the counter
/// <c>modular_security_events_total{kind}</c>, which the alert <c>RefreshTokenReused</c> watches.
/// </summary>
internal sealed class SecurityEvents(ILoggerFactory loggers)
{
    public const string RefreshTokenReused = "refresh_token_reused";
    public const string LoginFailed = "login_failed";
    public const string SessionEnded = "session_ended";
    public const string SessionsRevoked = "sessions_revoked";

    private static readonly Counter Events = Metrics.CreateCounter("modular_security_events_total",
        "Security events of the gateway, per kind: refresh_token_reused, login_failed, session_ended, sessions_revoked.", "kind");

    static SecurityEvents()
    {
        // Every kind is on /metrics from the start, at 0: an alert on an increase needs the series to exist first.
        foreach (var kind in new[] { RefreshTokenReused, LoginFailed, SessionEnded, SessionsRevoked }) Events.WithLabels(kind);
    }

    private readonly ILogger _logger = loggers.CreateLogger("Modular.Security");

    /// <summary>
    /// Hands an event only the gateway sees to Users' security trail, before the request is answered: split mode
    /// waits for Kafka's acknowledgement (requests are sent inline), one process writes it to its durable local
    /// queue. It must not expire on the way like a request nobody waits for any more: Users may be down for a while.
    /// </summary>
    public static async Task RecordAsync(IMessageBus bus, Guid userId, string type, RequestOrigin client)
    {
        try
        {
            await bus.SendAsync(new RecordSecurityEvent(Guid.CreateVersion7(), userId, type, DateTimeOffset.UtcNow, client),
                new DeliveryOptions { DeliverWithin = TrailDeliveryWindow });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Kafka (or, in one process, PostgreSQL) did not take it: the client must not be told "done" without its entry.
            throw new DependencyUnavailableException("The security trail", e);
        }
    }

    /// <summary>Long enough for any outage of Users to end; only a message older than this may be dropped.</summary>
    public static readonly TimeSpan TrailDeliveryWindow = TimeSpan.FromDays(7);

    /// <summary>A rotated refresh token came back: stolen, or replayed by a broken client. Its whole session was revoked.</summary>
    public void RefreshTokenReuse(Guid userId, string session)
    {
        Events.WithLabels(RefreshTokenReused).Inc();
        _logger.LogWarning("Security event {SecurityEvent}: a rotated refresh token of user {UserId} was presented again; session {Session} revoked",
            RefreshTokenReused, userId, session);
    }

    /// <summary>A wrong password or an unknown e-mail; repeated ones for one address are a guessing attack.</summary>
    public void FailedLogin(string email)
    {
        Events.WithLabels(LoginFailed).Inc();
        _logger.LogWarning("Security event {SecurityEvent}: a login for {Email} failed", LoginFailed, email);
    }

    public void Ended(Guid userId, string session)
    {
        Events.WithLabels(SessionEnded).Inc();
        _logger.LogInformation("Security event {SecurityEvent}: session {Session} of user {UserId} ended", SessionEnded, session, userId);
    }

    /// <param name="kept">The session that asked (a password change), or null when every session ends.</param>
    public void Revoked(Guid userId, string? kept)
    {
        Events.WithLabels(SessionsRevoked).Inc();
        _logger.LogInformation("Security event {SecurityEvent}: every session of user {UserId} revoked{Except}",
            SessionsRevoked, userId, kept is null ? "" : $" but {kept}");
    }
}
