using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Hosting;

/// <summary>
/// A gateway process over Kafka is ready only once a request to Users comes back to it: the very first request after
/// <c>/health/ready</c> says 200 succeeds, without a retry, also for a gateway restarted while the others serve.
/// A service is ready only once its listeners' consumers have joined their groups (docs/adr/0017).
/// </summary>
[Collection(SplitCollection.Name)]
public sealed class ReadinessTruthTests(SplitApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task the_first_requests_to_a_gateway_that_just_became_ready_succeed_also_after_a_restart_under_traffic()
    {
        await using (var first = await StartGatewayAsync())
        {
            var registered = await first.PostAsJsonAsync("/api/v1/auth/register", new { email = "first.call@example.com", password = Api.Password });
            registered.StatusCode.ShouldBe(HttpStatusCode.Created, await first.DescribeAsync(registered));
        }

        // Traffic keeps flowing through the fixture's gateway while a new gateway process starts.
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            var answers = 0;
            while (!stop.IsCancellationRequested)
            {
                await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "first.call@example.com", password = Api.Password }, 200);
                answers++;
            }
            return answers;
        });

        await using (var restarted = await StartGatewayAsync())
        {
            // At once and together, so that they reach every user-service replica (each login lands on a random
            // partition of users.requests), and each reply must find its way back to this process.
            var logins = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
                restarted.PostAsJsonAsync("/api/v1/auth/login", new { email = "first.call@example.com", password = Api.Password })));
            foreach (var login in logins) login.StatusCode.ShouldBe(HttpStatusCode.OK, await restarted.DescribeAsync(login));
        }
        await stop.CancelAsync();
        (await traffic).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task a_gateway_replica_started_again_after_a_stop_and_after_a_crash_reuses_its_replies_topic_and_answers()
    {
        // As a StatefulSet's pod keeps its name (kubernetes/gateway/statefulset.yaml): the topic is the replica's.
        var replica = $"reuse-{Guid.NewGuid():N}"[..14];
        var topicsBefore = ReplyTopics();

        for (var start = 0; start < 3; start++)
        {
            // Ready means a request to Users came back on the reused topic (after the crash: once the dead consumer's
            // session has timed out and the partition is this process's).
            var gateway = await StartGatewayAsync(("GATEWAY_REPLICA", replica));
            var email = $"{replica}-{start}@example.com";
            var registered = await gateway.PostAsJsonAsync("/api/v1/auth/register", new { email, password = Api.Password });
            registered.StatusCode.ShouldBe(HttpStatusCode.Created, await gateway.DescribeAsync(registered));
            if (start == 1) await gateway.KillAsync(); // kill -9: no graceful leave of the consumer group
            await gateway.DisposeAsync();
        }

        ReplyTopics().Except(topicsBefore).ShouldBe([$"gateway.replies.{replica}"]);
    }

    [Fact]
    public async Task a_user_service_restarted_after_a_crash_is_ready_only_once_its_listener_has_partitions_and_the_first_request_then_succeeds()
    {
        // A member that died keeps its partitions until its session (6 s in the tests) times out: the successor starts
        // in about 2 s and then waits in the group's rebalance. (Both with the same session timeout: the test broker
        // expires a member waiting to join by the newest member's session while it waits by the previous one's.)
        await app.StopUserServiceAsync(); // both replicas
        var (restarted, url) = app.LaunchUserService();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var waitedForPartitions = false;
        var ready = await Eventually.ReadAsync(async () =>
        {
            if (restarted.HasExited) return false;
            try
            {
                var answer = await http.GetAsync($"{url}/health/ready");
                if (answer.IsSuccessStatusCode) return true;
                var checks = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
                waitedForPartitions |= Status(checks, "started") == "Healthy" && Status(checks, "listeners") == "Unhealthy";
                return false;
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
        }, done => done, TimeSpan.FromSeconds(60));
        ready.ShouldBeTrue($"the restarted user-service did not become ready:\n{restarted.Output}{restarted.Errors}");

        // Started, but its consumer not yet in the group: that was not ready, and said so.
        waitedForPartitions.ShouldBeTrue();
        // The first request after ready is served by the restarted process, within the gateway's REQUEST_TIMEOUT.
        await Gateway.PostJsonAsync("/api/v1/auth/register", new { email = "after.crash@example.com", password = Api.Password }, 201);
        await app.StartUserServiceAsync(); // the second replica, for the tests after this one
    }

    private static string? Status(JsonElement checks, string name) =>
        checks.TryGetProperty(name, out var check) ? check.GetProperty("status").GetString() : null;

    private static IReadOnlyList<string> ReplyTopics()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = TestEnvironment.KafkaBrokers }).Build();
        return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Select(t => t.Topic)
            .Where(t => t.StartsWith("gateway.replies.", StringComparison.Ordinal)).ToList();
    }

    private async Task<ReadyGateway> StartGatewayAsync(params (string Name, string Value)[] settings)
    {
        var environment = TestEnvironment.StartedGateway(App.Mail.Port);
        foreach (var (name, value) in settings) environment[name] = value;
        var (process, url) = await HostProcess.StartReadyAsync(environment);
        return new ReadyGateway(process, new HttpClient { BaseAddress = new Uri(url) }, app);
    }

    private sealed class ReadyGateway(HostProcess process, HttpClient http, SplitApp app) : IAsyncDisposable
    {
        public Task<HttpResponseMessage> PostAsJsonAsync(string url, object body) => http.PostAsJsonAsync(url, body);

        public Task KillAsync() => process.KillAsync();

        /// <summary>The answer's body, what the user-services did, and the gateway's own log, for the message of a failed assertion.</summary>
        public async Task<string> DescribeAsync(HttpResponseMessage answer) => answer.IsSuccessStatusCode
            ? ""
            : $"{await answer.Content.ReadAsStringAsync()}\n{await app.DescribeRequestThroughAsync(process)}";

        public async ValueTask DisposeAsync()
        {
            http.Dispose();
            await process.DisposeAsync();
        }
    }
}
