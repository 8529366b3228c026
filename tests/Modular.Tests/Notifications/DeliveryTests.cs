using System.Text.RegularExpressions;
using Alba;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks.Persistence;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts.Events;
using Npgsql;
using Wolverine;
using Wolverine.Tracking;

namespace Modular.Tests.Notifications;

/// <summary>One host whose e-mail goes to an SMTP server that fails on purpose.</summary>
public sealed class DeliveryFixture : IAsyncLifetime
{
    public const int RatePerSecond = 200;
    public const int Burst = 10;
    public static readonly string DatabaseUrl = TestEnvironment.DatabaseUrlFor("modular_mail_test");

    public FaultySmtpServer Smtp { get; } = new();
    public IAlbaHost Host { get; private set; } = null!;
    public Dictionary<string, string> Settings { get; } = [];

    public async Task InitializeAsync()
    {
        foreach (var (name, value) in TestEnvironment.SingleProcess(Smtp.Port)) Settings[name] = value;
        Settings["DATABASE_URL"] = DatabaseUrl;
        Settings["MAIL_RETRY_SCHEDULE"] = "1s,1s,1s";
        Settings["MAIL_RATE_PER_SECOND"] = RatePerSecond.ToString();
        Settings["MAIL_BURST"] = Burst.ToString();
        Host = await AlbaHost.For<Program>(web =>
        {
            foreach (var (name, value) in Settings) web.UseSetting(name, value);
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

public sealed partial class DeliveryTests(DeliveryFixture fixture) : IClassFixture<DeliveryFixture>
{
    private FaultySmtpServer Smtp => fixture.Smtp;
    private IAlbaHost Host => fixture.Host;

    [Fact]
    public async Task a_transient_smtp_failure_is_retried_until_the_provider_accepts_the_email()
    {
        var registered = Registered("retry");
        Smtp.FailNextTransactions(2); // 421 twice

        await Publish(registered);

        await Smtp.WaitUntilAsync(s => s.To(registered.Email).Count == 1, TimeSpan.FromSeconds(60));
        Smtp.To(registered.Email).ShouldHaveSingleItem();
        (await Metric("modular_emails_retried_total", "welcome")).ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task refused_connections_are_retried_once_the_provider_is_back()
    {
        var registered = Registered("refused");
        var failuresBefore = await Metric("modular_emails_failed_total", "welcome", "transient");
        Smtp.RefuseConnections = true;

        await Publish(registered);
        // The first attempt has failed when the failure counter moves; then the provider comes back.
        await Eventually.ReadAsync(() => Metric("modular_emails_failed_total", "welcome", "transient"), failed => failed > failuresBefore,
            TimeSpan.FromSeconds(30));
        Smtp.RefuseConnections = false;

        await Smtp.WaitUntilAsync(s => s.To(registered.Email).Count == 1, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task a_rejected_recipient_goes_straight_to_the_dead_letter_queue()
    {
        var registered = Registered("rejected");
        Smtp.RejectRecipient(registered.Email);
        var before = await ScrapeAsync();
        var deadLettersBefore = await DeadLetteredWelcomes();

        var tracked = await Host.TrackActivity().DoNotAssertOnExceptionsDetected().Timeout(TimeSpan.FromSeconds(30))
            .ExecuteAndWaitAsync((Func<IMessageContext, Task>)(bus => bus.PublishAsync(registered).AsTask()));

        tracked.MovedToErrorQueue.SingleMessage<UserRegistered>().EventId.ShouldBe(registered.EventId);
        Smtp.AttemptsFor(registered.Email).ShouldBe(1);
        (await DeadLetteredWelcomes() - deadLettersBefore).ShouldBe(1);
        (await Metric("modular_emails_dead_lettered_total", "welcome")).ShouldBeGreaterThanOrEqualTo(1);

        // The message-level series too: one failed execution of the event, one dead letter, by message type.
        var after = await ScrapeAsync();
        var type = ("message_type", typeof(UserRegistered).FullName!);
        var failure = ("exception", nameof(Modular.Notifications.PermanentMailFailure));
        (after.Sum("modular_messages_failed_total", type, failure) - before.Sum("modular_messages_failed_total", type, failure)).ShouldBe(1);
        (after.Sum("modular_messages_dead_lettered_total", type) - before.Sum("modular_messages_dead_lettered_total", type)).ShouldBe(1);
    }

    [Fact]
    public async Task the_documented_storage_replay_command_resends_dead_letters()
    {
        var registered = Registered("replayed");
        Smtp.RejectRecipient(registered.Email);
        var deadLettersBefore = await DeadLetteredWelcomes();
        await Host.TrackActivity().DoNotAssertOnExceptionsDetected().Timeout(TimeSpan.FromSeconds(30))
            .ExecuteAndWaitAsync((Func<IMessageContext, Task>)(bus => bus.PublishAsync(registered).AsTask()));
        (await DeadLetteredWelcomes() - deadLettersBefore).ShouldBe(1);
        Smtp.AcceptRecipient(registered.Email);

        // README: `dotnet Modular.Host.dll storage replay`, with the service's environment.
        await using var command = HostProcess.Start(fixture.Settings, "storage", "replay");
        (await command.WaitForExitAsync(TimeSpan.FromSeconds(90))).ShouldBe(0, command.Output + command.Errors);

        await Smtp.WaitUntilAsync(s => s.To(registered.Email).Count == 1, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task exhausted_retries_go_to_the_dead_letter_queue()
    {
        var registered = Registered("exhausted");
        Smtp.FailNextTransactions(4); // the first attempt and all three retries
        var deadLettersBefore = await DeadLetteredWelcomes();

        await Publish(registered);

        await Smtp.WaitUntilAsync(s => s.Attempts >= 4, TimeSpan.FromSeconds(60));
        (await Eventually.ReadAsync(DeadLetteredWelcomes, n => n != deadLettersBefore, TimeSpan.FromSeconds(30)) - deadLettersBefore).ShouldBe(1);
        Smtp.To(registered.Email).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_burst_of_a_thousand_events_never_exceeds_the_configured_send_rate()
    {
        const int count = 1000;
        var burst = Enumerable.Range(0, count).Select(i => Registered($"burst{i}")).ToArray();
        var recipients = burst.Select(e => e.Email).ToHashSet();
        var bus = Host.MessageBus();

        foreach (var registered in burst) await bus.PublishAsync(registered);
        await Smtp.WaitUntilAsync(s => s.Received.Count(m => m.To.Any(recipients.Contains)) == count, TimeSpan.FromSeconds(120));

        var times = Smtp.Received.Where(m => m.To.Any(recipients.Contains)).Select(m => m.ReceivedAt).Order().ToArray();
        var busiestSecond = times.Select((t, i) => times.Skip(i).TakeWhile(u => u - t < TimeSpan.FromSeconds(1)).Count()).Max();
        busiestSecond.ShouldBeLessThanOrEqualTo((int)(DeliveryFixture.RatePerSecond * 1.1) + DeliveryFixture.Burst);
        var sustained = (count - DeliveryFixture.Burst) / (times[^1] - times[0]).TotalSeconds;
        sustained.ShouldBeLessThanOrEqualTo(DeliveryFixture.RatePerSecond * 1.1);
    }

    private static UserRegistered Registered(string name) =>
        new(Guid.NewGuid(), Guid.NewGuid(), $"{name}-{Guid.NewGuid():N}@example.com", name, DateTimeOffset.UtcNow,
            "a-verification-token", DateTimeOffset.UtcNow.AddDays(1));

    private Task Publish(object message) => Host.MessageBus().PublishAsync(message).AsTask();

    /// <summary>
    /// The dead letters of UserRegistered. Bodies are encrypted (docs/adr/0011), so a test counts how many more
    /// there are than before it acted; the tests of a collection run one at a time.
    /// </summary>
    private static async Task<long> DeadLetteredWelcomes()
    {
        await using var connection = await TestDatabase.OpenAsync(DeliveryFixture.DatabaseUrl);
        await using var query = new NpgsqlCommand(
            $"select count(*) from {ModularPersistence.MessageStorageSchema("modular")}.wolverine_dead_letters " +
            "where message_type like '%UserRegistered'", connection);
        return (long)(await query.ExecuteScalarAsync())!;
    }

    /// <summary>The value of a counter on /metrics, as Prometheus would scrape it.</summary>
    private async Task<Scrape> ScrapeAsync() => new((await Host.Scenario(s => s.Get.Url("/metrics"))).ReadAsText());

    private async Task<double> Metric(string name, string template, string? kind = null)
    {
        var scrape = await ScrapeAsync();
        return kind is null ? scrape.Sum(name, ("template", template)) : scrape.Sum(name, ("template", template), ("kind", kind));
    }
}
