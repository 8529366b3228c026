using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Messaging;
using Modular.Tests.Infrastructure;
using Modular.Gateway;
using Modular.Users;
using Modular.Notifications;
using Modular.Users.Contracts;

namespace Modular.Tests.Scenarios;

/// <summary>
/// After a scripted burst of traffic, <c>/metrics</c> of each process counts exactly that traffic: HTTP requests
/// per route, method and status; messages handled per type; plus the pool, Redis and (split) Kafka series.
/// Counters live as long as the process, so each count is the difference between a scrape before and after.
/// </summary>
public abstract class MetricsScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    protected const string Register = "/api/v1/auth/register";
    private const string Login = "/api/v1/auth/login";

    /// <summary>How often a test that waits for a metric scrapes, as Prometheus would, only faster.</summary>
    protected static readonly TimeSpan ScrapeInterval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task a_burst_of_registrations_logins_and_failures_is_counted_per_route_status_and_message_type()
    {
        var gatewayBefore = await App.ScrapeAsync(GatewayModule.Definition);
        var usersBefore = await App.ScrapeAsync(UsersModule.Definition);
        var notificationsBefore = await App.ScrapeAsync(NotificationsModule.Definition);

        var emails = Enumerable.Range(0, 3).Select(i => $"metrics{i}-{Guid.NewGuid():N}@example.com").ToArray();
        foreach (var email in emails) await App.RegisterAsync(email);
        await Gateway.PostJsonAsync(Login, new { email = emails[0], password = Api.Password }, 200);
        await Gateway.PostJsonAsync(Login, new { email = emails[1], password = Api.Password }, 200);
        await Gateway.PostJsonAsync(Login, new { email = emails[0], password = "wrong password" }, 401);
        await Gateway.PostJsonAsync(Login, new { email = "nobody@example.com", password = "wrong password" }, 401);
        await Gateway.PostJsonAsync(Register, new { email = "not an e-mail", password = Api.Password }, 400);
        await App.Mail.WaitUntilAsync(_ => emails.All(e => App.Mail.To(e).Count == 1));

        var gateway = await App.ScrapeAsync(GatewayModule.Definition);
        double Requests(Scrape scrape, string metric, string route, string code) =>
            scrape.Sum(metric, ("endpoint", route), ("method", "POST"), ("code", code));
        foreach (var metric in new[] { "http_requests_received_total", "http_request_duration_seconds_count" })
        {
            (Requests(gateway, metric, Register, "201") - Requests(gatewayBefore, metric, Register, "201")).ShouldBe(3, metric);
            (Requests(gateway, metric, Login, "200") - Requests(gatewayBefore, metric, Login, "200")).ShouldBe(2, metric);
            (Requests(gateway, metric, Login, "401") - Requests(gatewayBefore, metric, Login, "401")).ShouldBe(2, metric);
            (Requests(gateway, metric, Register, "400") - Requests(gatewayBefore, metric, Register, "400")).ShouldBe(1, metric);
        }
        // Every token issued or checked is a Redis round trip, timed per operation.
        gateway.Matching("modular_redis_command_duration_seconds_count").ShouldAllBe(s => s.Labels["command"] != "");
        (gateway.Sum("modular_redis_command_duration_seconds_count") - gatewayBefore.Sum("modular_redis_command_duration_seconds_count"))
            .ShouldBeGreaterThanOrEqualTo(5);

        var users = await App.ScrapeAsync(UsersModule.Definition);
        double Handled(Scrape scrape, string type) => scrape.Sum("modular_messages_handled_total", ("message_type", type));
        (Handled(users, "Modular.Users.Contracts.RegisterUser") - Handled(usersBefore, "Modular.Users.Contracts.RegisterUser")).ShouldBe(3);
        (Handled(users, "Modular.Users.Contracts.VerifyCredentials") - Handled(usersBefore, "Modular.Users.Contracts.VerifyCredentials")).ShouldBe(4);
        users.Sum("modular_message_handling_seconds_count", ("message_type", "Modular.Users.Contracts.RegisterUser"))
            .ShouldBeGreaterThanOrEqualTo(3);
        // The connection pool of the users' database: busy and idle connections, and the pool's size.
        users.Matching("npgsql_db_client_connections_usage").Select(s => s.Labels["state"]).Distinct().ShouldBe(["idle", "used"], ignoreOrder: true);
        users.Sum("npgsql_db_client_connections_max").ShouldBeGreaterThan(0);

        // The welcome e-mails' events: counted once the handler is done, a moment after the e-mail left.
        const string registered = "Modular.Users.Contracts.Events.UserRegistered";
        var notifications = await Eventually.ReadAsync(() => App.ScrapeAsync(NotificationsModule.Definition),
            n => Handled(n, registered) - Handled(notificationsBefore, registered) >= 3, TimeSpan.FromSeconds(30), ScrapeInterval);
        (Handled(notifications, registered) - Handled(notificationsBefore, registered)).ShouldBe(3);
        (notifications.Sum("modular_emails_sent_total", ("template", "welcome"))
            - notificationsBefore.Sum("modular_emails_sent_total", ("template", "welcome"))).ShouldBe(3);
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class MetricsInSingleProcess(SingleProcessApp app) : MetricsScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class MetricsInSplitMode(SplitApp app) : MetricsScenarios(app)
{
    [Fact]
    public async Task every_kafka_process_reports_the_lag_of_each_service_group_per_topic_and_partition()
    {
        var users = await app.ScrapeAsync(UsersModule.Definition);
        var lag = users.Matching("modular_kafka_consumer_lag").ToList();
        lag.Select(s => (s.Labels["group"], s.Labels["topic"])).Distinct()
            .ShouldBe([("user-service", "users.requests"), ("notification-service", "users.events"),
                ("notification-service.requests", "notifications.requests"), ("gateway", "users.events")], ignoreOrder: true);
        lag.ShouldAllBe(s => int.Parse(s.Labels["partition"]) >= 0);
    }

    [Fact]
    public async Task with_the_notification_services_stopped_n_registrations_make_their_lag_n_and_their_restart_brings_it_back_to_zero()
    {
        await WaitForLagAsync(0, "the notification-service caught up before the test");
        await app.StopNotificationServiceAsync();

        var emails = Enumerable.Range(0, 5).Select(i => $"lag{i}-{Guid.NewGuid():N}@example.com").ToArray();
        foreach (var email in emails) await app.Gateway.PostJsonAsync(Register, new { email, password = Api.Password }, 201);
        await WaitForLagAsync(emails.Length, "every registration's event waits in users.events");

        // The killed service's consumers stay members of the group until their session times out; the restarted one joins,
        // and the group rebalances again when they leave (the test broker answers no DescribeGroups to wait for that).
        await app.StartNotificationServiceAsync();
        await app.Mail.WaitUntilAsync(_ => emails.All(e => app.Mail.To(e).Count > 0), TimeSpan.FromSeconds(60));
        // A commit refused in that rebalance is made again only when the partition moves on (TopicBacklog's nudge).
        await TopicBacklog.WaitUntilConsumedAsync(TestEnvironment.KafkaBrokers, "notification-service", UsersTopics.Events,
            nudge: () => app.RegisterAsync($"lag.nudge.{Guid.NewGuid():N}@example.com"));
        await WaitForLagAsync(0, "the restarted notification-service consumed them");
    }

    /// <summary>Scrapes a gateway until the notification-service group's lag on users.events is <paramref name="expected"/>.</summary>
    private async Task WaitForLagAsync(double expected, string because)
    {
        var lag = await Eventually.ReadAsync(async () => (await app.ScrapeAsync(GatewayModule.Definition))
                .Sum("modular_kafka_consumer_lag", ("group", "notification-service"), ("topic", "users.events")),
            lag => lag == expected, TimeSpan.FromSeconds(90), ScrapeInterval);
        lag.ShouldBe(expected, because);
    }
}
