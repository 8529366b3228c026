using Microsoft.Extensions.Time.Testing;
using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Http;
using Modular.Gateway.Http;

namespace Modular.Tests.Gateway;

/// <summary>The gateway's load-shedding rule (docs/adr/0019): refuse while the oldest request to Users has waited
/// longer than half of <c>REQUEST_TIMEOUT</c>, admit again as soon as it is answered.</summary>
public sealed class UsersBacklogTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly UsersBacklog _backlog;

    public UsersBacklogTests() => _backlog = new UsersBacklog(new HostRole(HostRole.AllModules, null, null!), _clock);

    [Fact]
    public void requests_are_admitted_while_the_oldest_waiting_one_is_younger_than_half_the_timeout()
    {
        using var first = _backlog.Admit();
        _clock.Advance(_backlog.Target);
        using var second = _backlog.Admit();
        using var third = _backlog.Admit();
    }

    [Fact]
    public void a_request_is_refused_with_retry_after_once_the_oldest_waiting_one_is_older_than_half_the_timeout()
    {
        using var first = _backlog.Admit();
        _clock.Advance(_backlog.Target + TimeSpan.FromMilliseconds(1));

        var refused = Should.Throw<DependencyBusyException>(() => _backlog.Admit());
        refused.Dependency.ShouldBe("Users");
        refused.RetryAfterSeconds.ShouldBe(UsersBacklog.RetryAfterSeconds);
    }

    [Fact]
    public void when_the_oldest_is_answered_the_next_oldest_decides()
    {
        var first = _backlog.Admit();
        _clock.Advance(_backlog.Target);
        using var second = _backlog.Admit();
        _clock.Advance(TimeSpan.FromMilliseconds(10));
        Should.Throw<DependencyBusyException>(() => _backlog.Admit());

        first.Dispose();
        using var third = _backlog.Admit();
        _clock.Advance(_backlog.Target);
        Should.Throw<DependencyBusyException>(() => _backlog.Admit());
    }

    [Fact]
    public void the_target_is_half_of_the_request_timeout() =>
        _backlog.Target.ShouldBe(TimeSpan.FromSeconds(2.5));
}
