namespace Modular.Users;

/// <summary>
/// <c>LOGIN_LOCKOUT_THRESHOLD</c> consecutive wrong passwords lock password login for <c>LOGIN_LOCKOUT_DURATION</c>,
/// twice as long for each further lockout, up to <see cref="Longest"/> (or the configured duration if it is longer).
/// </summary>
public sealed record LockoutPolicy(int Threshold, TimeSpan Duration)
{
    public static readonly TimeSpan Longest = TimeSpan.FromHours(24);

    public static readonly LockoutPolicy Default = new(5, TimeSpan.FromMinutes(15));

    /// <summary>How long the <paramref name="lockout"/>-th lockout in a row lasts (1 for the first).</summary>
    public TimeSpan DurationOf(int lockout)
    {
        var cap = Duration > Longest ? Duration : Longest;
        // Doubling 30 times overflows long before: stop as soon as the cap is reached.
        var duration = Duration;
        for (var i = 1; i < lockout && duration < cap; i++) duration *= 2;
        return duration < cap ? duration : cap;
    }
}

/// <summary>
/// The Marten document (schema <c>users</c>, id = the account's id) that counts one account's wrong passwords.
/// Only password login counts; the answer while locked is the same as for a wrong password, so a lockout tells
/// a guesser nothing it did not know. Its own document, so that a failed login never changes the account's
/// version (<see cref="User.UpdatedAt"/>) that the gateways' read models follow.
/// </summary>
public sealed class LoginLockout
{
    public Guid Id { get; set; }

    /// <summary>Wrong passwords since the last right one or the last lockout.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>Lockouts in a row: each lasts twice as long as the one before.</summary>
    public int Lockouts { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public bool IsLockedAt(DateTimeOffset now) => LockedUntil > now;

    /// <summary>Counts a wrong password at <paramref name="now"/>; true when it locks the account (then <see cref="LockedUntil"/> is set).</summary>
    public bool RecordFailure(DateTimeOffset now, LockoutPolicy policy)
    {
        // A day without a lockout forgets the earlier ones: the next one is short again.
        if (LockedUntil is { } until && now - until >= LockoutPolicy.Longest) Lockouts = 0;
        if (++ConsecutiveFailures < policy.Threshold) return false;

        ConsecutiveFailures = 0;
        Lockouts++;
        LockedUntil = now + policy.DurationOf(Lockouts);
        return true;
    }

    /// <summary>The right password: the wrong ones before it stop counting (the lockouts in a row still do).</summary>
    public void RecordSuccess() => ConsecutiveFailures = 0;
}
