using Marten;
using Marten.Patching;
using Microsoft.Extensions.Logging;
using Modular.Users.Contracts;

namespace Modular.Users;

/// <summary>
/// One entry of an account's security trail (schema <c>users</c>), written by the handler whose change it describes,
/// in that change's transaction, or from the gateway's <see cref="RecordSecurityEvent"/>. No secret ever: no password,
/// no token, no full IP address.
/// </summary>
public sealed class SecurityEvent
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public string Type { get; set; } = "";
    public DateTimeOffset OccurredAt { get; set; }
    public string? IpPrefix { get; set; }
    public string? UserAgent { get; set; }
    public string? SessionId { get; set; }

    public SecurityEventView ToView() => new(Id, Type, OccurredAt, IpPrefix, UserAgent, SessionId);
}

public static class SecurityTrail
{
    /// <summary>Adds an entry to <paramref name="session"/>'s unit of work: it commits, or not, with the change it describes.</summary>
    public static void Record(this IDocumentSession session, Guid userId, string type, DateTimeOffset at, RequestOrigin? client, Guid? id = null)
    {
        // PostgreSQL keeps whole microseconds and rounds half to even, so two instants a microsecond apart
        // (a failure and the lockout it caused) could be stored as one and listed in either order; cut them
        // to the microsecond here and they stay apart.
        at = at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMicrosecond));
        // An upsert by id: a RecordSecurityEvent delivered twice (the same EventId) is still one entry.
        session.Store(new SecurityEvent
        {
            Id = id ?? Guid.CreateVersion7(at),
            UserId = userId,
            Type = type,
            OccurredAt = at,
            IpPrefix = client?.IpPrefix,
            UserAgent = client?.UserAgent,
            SessionId = client?.SessionId,
        });
    }

    /// <summary>
    /// What stays of a deleted account's trail: the kinds and times, counted, with nothing that points at a person
    /// (the account's e-mail is gone with it; the network, the client and the session are removed here).
    /// </summary>
    public static void Anonymise(this IDocumentSession session, Guid userId)
    {
        session.Patch<SecurityEvent>(e => e.UserId == userId)
            .Set(e => e.IpPrefix, (string?)null)
            .Set(e => e.UserAgent, (string?)null)
            .Set(e => e.SessionId, (string?)null);
    }
}

/// <summary>
/// Removes trail entries older than <c>SECURITY_EVENT_RETENTION</c> and the expired answers of idempotent requests
/// (<see cref="RememberedResults"/>), at start and then every hour. Every user-service
/// replica runs it; the delete is the same whoever runs it first.
/// </summary>
public sealed class SecurityTrailRetention(IDocumentStore store, UsersSettings settings, TimeProvider clock,
    ILogger<SecurityTrailRetention> logger) : Microsoft.Extensions.Hosting.BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>The first purge waits this long: at start-up its schema check and delete took ~0.35 s of the two cores the
    /// process needs to become ready (docs/performance.md, cold start); a minute later nothing waits for them.</summary>
    public static readonly TimeSpan FirstPurgeDelay = TimeSpan.FromMinutes(1);

    public async Task PurgeAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - settings.SecurityEventRetention;
        await using var session = store.LightweightSession();
        session.DeleteWhere<SecurityEvent>(e => e.OccurredAt < cutoff);
        session.DeleteExpiredResults(clock.GetUtcNow());
        await session.SaveChangesAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        await Task.Delay(FirstPurgeDelay, clock, ct);
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await PurgeAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // PostgreSQL away: the next round tries again; nothing is lost by waiting.
                logger.LogWarning(e, "Could not remove security events older than the retention; trying again in {Interval}", Interval);
            }
        } while (await timer.WaitForNextTickAsync(ct));
    }
}

public static class RecordSecurityEventHandler
{
    public static void Handle(RecordSecurityEvent command, IDocumentSession session)
    {
        if (SecurityEventTypes.FromGateway.Contains(command.Type))
            session.Record(command.UserId, command.Type, command.OccurredAt, command.Client, command.EventId);
    }
}

public static class ListSecurityEventsHandler
{
    public static async Task<SecurityEventPage> Handle(ListSecurityEvents query, IQuerySession session, CancellationToken ct)
    {
        var page = Math.Max(1, query.Page);
        var pageSize = Math.Clamp(query.PageSize, 1, Paging.MaxPageSize);
        var events = session.Query<SecurityEvent>().Where(e => e.UserId == query.UserId);
        var total = await events.CountAsync(ct);
        if (total == 0 && await session.LoadAsync<User>(query.UserId, ct) is null) return new SecurityEventPage([], page, pageSize, 0, Found: false);

        var skip = (long)(page - 1) * pageSize;
        var items = skip >= total ? [] : await events.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id)
            .Skip((int)skip).Take(pageSize).ToListAsync(ct);
        return new SecurityEventPage(items.Select(e => e.ToView()).ToArray(), page, pageSize, total);
    }
}
