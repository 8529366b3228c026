using Modular.BuildingBlocks.Messaging;
using Modular.BuildingBlocks.Persistence;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts.Events;
using Npgsql;
using Modular.Users.Contracts;
using Modular.Notifications.Contracts;

namespace Modular.Tests.Notifications;

/// <summary>
/// The notification-service as its own process behind Kafka, where its listeners handle each event before taking the
/// next (no durable inbox, ADR 19): a failed e-mail is still retried later and dead-lettered as in one process
/// (DeliveryTests), and it holds up nothing behind it.
/// </summary>
public sealed class SplitDeliveryTests
{
    private static readonly string DatabaseUrl = TestEnvironment.DatabaseUrlFor("modular_mail_test");

    [Fact]
    public async Task a_failing_email_is_retried_later_or_dead_lettered_while_the_events_after_it_are_mailed()
    {
        using var broker = await PrivateKafkaBroker.StartAsync([UsersTopics.Events, NotificationsTopics.Requests], partitions: 1);
        await using var smtp = new FaultySmtpServer();
        var settings = TestEnvironment.Split("notifications", smtp.Port);
        settings["KAFKA_BROKERS"] = broker.Brokers;
        settings["DATABASE_URL"] = DatabaseUrl;
        settings["PORT"] = TestEnvironment.FreeTcpPort().ToString();
        settings["MAIL_RETRY_SCHEDULE"] = "1s,1s,1s";
        await using var service = HostProcess.Start(settings);
        await service.WaitUntilHealthyAsync($"http://127.0.0.1:{settings["PORT"]}/health/ready", TimeSpan.FromSeconds(60));
        var deadLettersBefore = await DeadLetteredWelcomes();

        // One partition: the three events are read in this order, by one consumer.
        var retried = Registered("retried");
        var rejected = Registered("rejected");
        var after = Registered("after");
        smtp.FailNextTransactions(2); // 421 twice: the first attempt of `retried` and its first retry
        smtp.RejectRecipient(rejected.Email); // 550: permanent
        await using (var publisher = await UserEventsPublisher.StartAsync(broker.Brokers))
            await publisher.PublishAllAsync([retried, rejected, after]);

        await smtp.WaitUntilAsync(s => s.To(retried.Email).Count == 1 && s.To(after.Email).Count == 1, TimeSpan.FromSeconds(60));
        // `after` did not wait for the retries of `retried`: it went out before them.
        smtp.To(after.Email).Single().ReceivedAt.ShouldBeLessThan(smtp.To(retried.Email).Single().ReceivedAt);
        using var http = new HttpClient();
        var metrics = new Scrape(await http.GetStringAsync($"http://127.0.0.1:{settings["PORT"]}/metrics"));
        metrics.Sum("modular_emails_retried_total", ("template", "welcome")).ShouldBe(2);
        (await Eventually.ReadAsync(DeadLetteredWelcomes, n => n > deadLettersBefore, TimeSpan.FromSeconds(30)) - deadLettersBefore).ShouldBe(1);
        smtp.AttemptsFor(rejected.Email).ShouldBe(1);
        smtp.To(rejected.Email).ShouldBeEmpty();
        (await service.TerminateAsync(TimeSpan.FromSeconds(30))).ShouldBe(0, service.Output + service.Errors);
    }

    private static UserRegistered Registered(string name) =>
        new(Guid.NewGuid(), Guid.NewGuid(), $"{name}-{Guid.NewGuid():N}@example.com", name, DateTimeOffset.UtcNow,
            "a-verification-token", DateTimeOffset.UtcNow.AddDays(1));

    /// <summary>The notification-service's dead letters of UserRegistered (bodies are encrypted: a test counts the difference).</summary>
    private static async Task<long> DeadLetteredWelcomes()
    {
        await using var connection = await TestDatabase.OpenAsync(DatabaseUrl);
        await using var query = new NpgsqlCommand(
            $"select count(*) from {ModularPersistence.MessageStorageSchema("notification-service")}.wolverine_dead_letters " +
            "where message_type like '%UserRegistered'", connection);
        try
        {
            return (long)(await query.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }
}
