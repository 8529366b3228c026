using Modular.Gateway.Http;

namespace Modular.UnitTests.Gateway;

/// <summary>When the gateway refuses a request because Users is behind (<see cref="UsersBacklog"/>, ADR 23), on a clock the test moves.</summary>
public sealed class UsersBacklogTests
{
    private readonly ManualClock _clock = new();
    private readonly UsersBacklog _backlog;

    public UsersBacklogTests() => _backlog = new UsersBacklog(TimeSpan.FromSeconds(5), _clock); // target 3.75 s

    [Fact]
    public void requests_queue_while_the_oldest_has_waited_less_than_three_quarters_of_the_request_timeout()
    {
        _backlog.TryEnter().ShouldNotBeNull();
        _clock.Advance(TimeSpan.FromSeconds(3.6));
        for (var i = 0; i < 100; i++) _backlog.TryEnter().ShouldNotBeNull();
    }

    [Fact]
    public void once_the_oldest_has_waited_longer_and_no_answer_came_promptly_new_requests_are_refused()
    {
        _clock.Advance(TimeSpan.FromSeconds(10)); // nothing answered since the gateway started
        var oldest = _backlog.TryEnter().ShouldNotBeNull();
        _clock.Advance(TimeSpan.FromSeconds(3.9));
        _backlog.TryEnter().ShouldBeNull();

        // The oldest gets its late answer (or its 504): the queue is empty, the next request goes through.
        _backlog.Leave(oldest);
        _backlog.TryEnter().ShouldNotBeNull();
        _backlog.RetryAfterSeconds.ShouldBe(4);
    }

    [Fact]
    public void one_slow_request_among_prompt_answers_is_no_backlog()
    {
        _backlog.TryEnter().ShouldNotBeNull(); // a large export, or a reply that never comes
        for (var second = 0; second < 6; second++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            var quick = _backlog.TryEnter().ShouldNotBeNull();
            _clock.Advance(TimeSpan.FromMilliseconds(20));
            _backlog.Leave(quick);
        }
        _backlog.TryEnter().ShouldNotBeNull();
    }

    [Fact]
    public void answers_that_all_come_late_say_users_is_behind_even_as_the_queue_moves()
    {
        _clock.Advance(TimeSpan.FromSeconds(10));
        var first = _backlog.TryEnter()!;
        _clock.Advance(TimeSpan.FromSeconds(1));
        var second = _backlog.TryEnter()!;
        _clock.Advance(TimeSpan.FromSeconds(3));
        _backlog.Leave(first); // answered after 4 s: late
        _clock.Advance(TimeSpan.FromSeconds(0.8));
        _backlog.TryEnter().ShouldBeNull(); // the second has waited 3.8 s, and no answer in the last 3.75 s was prompt
        _backlog.Leave(second);
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
