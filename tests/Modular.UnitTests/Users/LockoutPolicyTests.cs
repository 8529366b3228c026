using Modular.Users;

namespace Modular.UnitTests.Users;

/// <summary>The lockout's decisions (<see cref="LoginLockout"/>), without a database.</summary>
public sealed class LockoutPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly LockoutPolicy Policy = LockoutPolicy.Default;

    [Fact]
    public void the_fifth_wrong_password_in_a_row_locks_for_fifteen_minutes()
    {
        var lockout = new LoginLockout();
        for (var i = 1; i < 5; i++) lockout.RecordFailure(Now, Policy).ShouldBeFalse($"failure {i}");

        lockout.RecordFailure(Now, Policy).ShouldBeTrue();

        lockout.LockedUntil.ShouldBe(Now.AddMinutes(15));
        lockout.IsLockedAt(Now.AddMinutes(14)).ShouldBeTrue();
        lockout.IsLockedAt(Now.AddMinutes(15)).ShouldBeFalse();
    }

    [Fact]
    public void a_right_password_in_between_starts_the_count_again()
    {
        var lockout = new LoginLockout();
        for (var i = 0; i < 4; i++) lockout.RecordFailure(Now, Policy);
        lockout.RecordSuccess();

        for (var i = 0; i < 4; i++) lockout.RecordFailure(Now, Policy).ShouldBeFalse();
        lockout.LockedUntil.ShouldBeNull();
    }

    [Fact]
    public void each_further_lockout_lasts_twice_as_long_up_to_a_day()
    {
        var lockout = new LoginLockout();
        var at = Now;
        var lengths = new List<TimeSpan>();
        for (var round = 0; round < 9; round++)
        {
            while (!lockout.RecordFailure(at, Policy)) { }
            lengths.Add(lockout.LockedUntil!.Value - at);
            at = lockout.LockedUntil.Value; // the guesser comes back as soon as it ends
        }

        lengths.Select(l => l.TotalMinutes).ShouldBe([15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
    }

    [Fact]
    public void a_day_without_a_lockout_makes_the_next_one_short_again()
    {
        var lockout = new LoginLockout();
        for (var i = 0; i < 10; i++) lockout.RecordFailure(Now, Policy); // locked once (the count stops at the lock)
        lockout.Lockouts = 3;
        lockout.LockedUntil = Now;

        var later = Now + LockoutPolicy.Longest;
        while (!lockout.RecordFailure(later, Policy)) { }

        (lockout.LockedUntil - later).ShouldBe(TimeSpan.FromMinutes(15));
    }

    [Fact]
    public void a_configured_duration_longer_than_a_day_is_the_cap()
    {
        new LockoutPolicy(3, TimeSpan.FromHours(30)).DurationOf(4).ShouldBe(TimeSpan.FromHours(30));
        new LockoutPolicy(3, TimeSpan.FromMinutes(1)).DurationOf(100).ShouldBe(LockoutPolicy.Longest);
    }
}
