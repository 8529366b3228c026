using Confluent.Kafka;
using Modular.BuildingBlocks.Messaging;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts.Events;
using Xunit.Abstractions;
using Modular.Users.Contracts;
using Modular.Notifications.Contracts;

namespace Modular.Tests.Notifications;

/// <summary>
/// The notification-service under its Kubernetes memory limit (128 MiB, kubernetes/notification-service) starts behind
/// a backlog on <c>users.events</c>, as on a first start from the earliest offset or after an outage: librdkafka's
/// prefetch is bounded and its listeners handle each event before they take the next (MessagingTopology, ADR 19), so it
/// drains the backlog without being OOM-killed.
/// </summary>
public sealed class BacklogMemoryTests(ITestOutputHelper output)
{
    private const int Events = 20_000;
    private const long LimitBytes = 128L * 1024 * 1024;
    private static readonly string DatabaseUrl = TestEnvironment.DatabaseUrlFor("modular_misc_test");

    [Fact]
    public async Task a_notification_service_limited_to_128_MiB_drains_20000_waiting_events_without_being_oom_killed()
    {
        // The test broker keeps about 5 MB per partition and drops the oldest records beyond that: 32 partitions hold the
        // whole ~90 MB backlog (PublishBacklogAsync checks that none was dropped).
        using var broker = await PrivateKafkaBroker.StartAsync([UsersTopics.Events, NotificationsTopics.Requests], partitions: 32);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await PublishBacklogAsync(broker.Brokers);
        output.WriteLine($"{Events} events on the broker after {clock.Elapsed.TotalSeconds:F1} s");

        using var cgroup = ResourceCgroup.Create("backlog", LimitBytes);
        var settings = TestEnvironment.Split("notifications", smtpPort: TestEnvironment.FreeTcpPort());
        settings["KAFKA_BROKERS"] = broker.Brokers;
        settings["DATABASE_URL"] = DatabaseUrl;
        settings["PORT"] = TestEnvironment.FreeTcpPort().ToString();
        // One line per event nobody in this service handles would be most of the work; the count is in the inbox.
        settings["Logging__LogLevel__Wolverine"] = "Error";
        _ = PublishedHost.Directory; // built once for the suite: not part of what this test measures
        clock.Restart();
        await using var service = HostProcess.StartInCgroup(settings, cgroup);

        // Every event read from users.events and handled: the service's consumer group has committed them all.
        using var backlog = new TopicBacklog(broker.Brokers, UsersTopics.Events);
        var waiting = await Eventually.ReadAsync(async () =>
        {
            var waiting = await backlog.UncommittedAsync("notification-service");
            if (service.HasExited || cgroup.OomKills > 0)
                throw new InvalidOperationException($"the service died with {waiting} of {Events} events unhandled (exit {(service.HasExited ? service.ExitCode : -1)}, "
                    + $"oom kills {cgroup.OomKills}, peak {cgroup.PeakBytes / (1024 * 1024)} MiB):\n{service.Output}\n{service.Errors}");
            return waiting;
        }, waiting => waiting == 0, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(250));
        waiting.ShouldBe(0, $"{waiting} of {Events} events still unhandled after 120 s (peak {cgroup.PeakBytes / (1024 * 1024)} MiB, "
            + $"limit hit {cgroup.FailCount} times)");

        output.WriteLine($"started and drained in {clock.Elapsed.TotalSeconds:F1} s, peak {cgroup.PeakBytes / (1024 * 1024)} MiB of {LimitBytes / (1024 * 1024)}");
        cgroup.OomKills.ShouldBe(0);
        service.HasExited.ShouldBeFalse();
        cgroup.PeakBytes.ShouldBeLessThanOrEqualTo(LimitBytes);
        (await service.TerminateAsync(TimeSpan.FromSeconds(30))).ShouldBe(0, service.Output + service.Errors);
    }

    /// <summary>Events of a kind the notification-service reads and has no e-mail for: consumed and handled at the
    /// pace of its consumer, not of an SMTP server. Each about 4 KB, the backlog about 80 MB: more than the whole 128 MiB
    /// would hold beside the runtime if the consumer prefetched it all (librdkafka's default allows 64 MB per consumer).</summary>
    private static async Task PublishBacklogAsync(string brokers)
    {
        await using var publisher = await UserEventsPublisher.StartAsync(brokers);
        var name = new string('n', 4000);
        await publisher.PublishAllAsync(Enumerable.Range(0, Events)
            .Select(_ => (object)new UserProfileUpdated(Guid.NewGuid(), Guid.NewGuid(), name, DateTimeOffset.UtcNow)).ToList());

        // And still there: the records between the low and the high watermark (a broker that dropped old ones would
        // shrink the backlog).
        using var backlog = new TopicBacklog(brokers, UsersTopics.Events);
        backlog.Held().ShouldBe(Events);
    }
}
