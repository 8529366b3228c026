using Marten;
using Modular.Users.Contracts;

namespace Modular.Users;

/// <summary>
/// The answer a change gave under an <c>Idempotency-Key</c> (docs/adr/0018), stored in the change's own transaction:
/// a request repeated with the key (a client retrying after a 504 while the first attempt committed) gets this
/// answer back instead of making the change a second time. Kept <see cref="RememberedResults.Lifetime"/>.
/// </summary>
public sealed class RememberedResult
{
    /// <summary>The key as the gateway scoped and hashed it: never the client's header itself.</summary>
    public string Id { get; set; } = "";
    public UserResult Result { get; set; } = null!;
    public DateTimeOffset ExpiresAt { get; set; }
}

public static class RememberedResults
{
    /// <summary>How long a key is remembered: the 24 h the gateway replays an answer for.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>The answer of the change already made under <paramref name="key"/>, or null (no key, or none made yet).</summary>
    public static async Task<UserResult?> FindAsync(this IQuerySession session, string? key, CancellationToken ct) =>
        key is null ? null
        : await session.LoadAsync<RememberedResult>(key, ct) is { } remembered && remembered.ExpiresAt > DateTimeOffset.UtcNow ? remembered.Result
        : null;

    /// <summary>
    /// Adds <paramref name="outcome"/>'s answer under <paramref name="key"/> to the unit of work of the change it describes,
    /// and returns the outcome. Only a change is remembered: a failure changed nothing, and asking again decides again.
    /// Inserted, not upserted: two attempts with one key that raced past <see cref="FindAsync"/> cannot both commit.
    /// </summary>
    public static (UserResult, TEvent?) Remember<TEvent>(this IDocumentSession session, string? key, (UserResult Result, TEvent? Event) outcome)
    {
        if (key is not null && outcome.Result.User is not null)
            session.Insert(new RememberedResult { Id = key, Result = outcome.Result, ExpiresAt = DateTimeOffset.UtcNow + Lifetime });
        return outcome;
    }

    /// <summary>Removes the answers older than <see cref="Lifetime"/> (with the security trail's hourly purge).</summary>
    public static void DeleteExpiredResults(this IDocumentSession session, DateTimeOffset now) =>
        session.DeleteWhere<RememberedResult>(r => r.ExpiresAt < now);
}

/// <summary>
/// What a change to one account reads before it decides (the "load" half of Wolverine's compound handlers): the account
/// and the answer of an earlier attempt under the request's key. The handler's <c>Handle</c> then decides without I/O,
/// queuing its writes on the session that Wolverine commits after it.
/// </summary>
public sealed record AccountChange(User? User, UserResult? Remembered)
{
    public static async Task<AccountChange> LoadAsync(IQuerySession session, Guid userId, string? key, CancellationToken ct) =>
        await session.FindAsync(key, ct) is { } remembered
            ? new(null, remembered)
            : new(await session.LoadAsync<User>(userId, ct), null);
}
