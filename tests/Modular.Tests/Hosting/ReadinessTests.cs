using System.Text.Json;
using Alba;
using Microsoft.AspNetCore.Hosting;
using Modular.BuildingBlocks.Messaging;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts;
using Modular.Notifications.Contracts;

namespace Modular.Tests.Hosting;

public sealed class ReadinessTests
{
    [Fact]
    public async Task ready_is_503_and_names_redis_when_redis_cannot_be_reached_while_liveness_stays_200()
    {
        var settings = TestEnvironment.SingleProcess(smtpPort: TestEnvironment.FreeTcpPort());
        settings["REDIS_URL"] = $"redis://127.0.0.1:{TestEnvironment.FreeTcpPort()}"; // nothing listens there
        settings["DATABASE_URL"] = TestEnvironment.DatabaseUrlFor("modular_misc_test");
        await using var host = await AlbaHost.For<Program>(web =>
        {
            foreach (var (name, value) in settings) web.UseSetting(name, value);
        });

        await host.Scenario(s => { s.Get.Url("/health"); s.StatusCodeShouldBeOk(); });
        var ready = await host.Scenario(s => { s.Get.Url("/health/ready"); s.StatusCodeShouldBe(503); });

        var checks = JsonDocument.Parse(ready.ReadAsText()).RootElement.GetProperty("checks");
        checks.GetProperty("redis").GetProperty("status").GetString().ShouldBe("Unhealthy");
        checks.GetProperty("postgres").GetProperty("status").GetString().ShouldBe("Healthy");
    }

    [Fact]
    public async Task without_topic_creation_ready_names_the_missing_topics_creates_none_and_turns_ready_once_they_are_provisioned()
    {
        // The notification-service reads users.events and notifications.requests; this broker has only the first.
        using var broker = await PrivateKafkaBroker.StartAsync([UsersTopics.Events]);
        var settings = TestEnvironment.Split("notifications", smtpPort: TestEnvironment.FreeTcpPort());
        settings["KAFKA_BROKERS"] = broker.Brokers;
        settings["KAFKA_CREATE_TOPICS"] = "false";
        settings["DATABASE_URL"] = TestEnvironment.DatabaseUrlFor("modular_misc_test");
        settings["PORT"] = TestEnvironment.FreeTcpPort().ToString();
        var url = $"http://127.0.0.1:{settings["PORT"]}/health/ready";
        await using var service = HostProcess.Start(settings);

        // 503, and the kafka check names the topic that is missing (a metadata request for it would have created it here).
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var detail = await Eventually.ReadAsync(async () =>
        {
            if (service.HasExited) throw new InvalidOperationException($"the service exited:\n{service.Output}\n{service.Errors}");
            try
            {
                using var response = await http.GetAsync(url);
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                if (!body.GetProperty("checks").TryGetProperty("kafka", out var kafka)) return ""; // not checked yet
                ((int)response.StatusCode).ShouldBe(503);
                kafka.GetProperty("status").GetString().ShouldBe("Unhealthy");
                return kafka.GetProperty("detail").GetString() ?? "";
            }
            catch (HttpRequestException)
            {
                return ""; // not listening yet
            }
        }, detail => detail.Contains(NotificationsTopics.Requests), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        detail.ShouldContain(NotificationsTopics.Requests, customMessage: $"readiness never named the missing topic\n{service.Output}");
        detail.ShouldNotContain(UsersTopics.Events); // only what is missing
        detail.ShouldContain("provision-topics");

        // It created nothing, however often readiness was asked; once the topic is provisioned, the service starts.
        broker.Topics().ShouldBe([UsersTopics.Events]);
        broker.CreateTopic(NotificationsTopics.Requests);
        await service.WaitUntilHealthyAsync(url, TimeSpan.FromSeconds(60));
        broker.Topics().Order().ShouldBe([NotificationsTopics.Requests, UsersTopics.Events]);
    }
}
