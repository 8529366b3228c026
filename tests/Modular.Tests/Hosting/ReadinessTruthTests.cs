using System.Net;
using System.Net.Http.Json;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Hosting;

/// <summary>
/// A gateway process over Kafka is ready only once a request to Users comes back to it: the very first request after
/// <c>/health/ready</c> says 200 succeeds, without a retry, also for a gateway restarted while the others serve.
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
            registered.StatusCode.ShouldBe(HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
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
            var login = await restarted.PostAsJsonAsync("/api/v1/auth/login", new { email = "first.call@example.com", password = Api.Password });
            login.StatusCode.ShouldBe(HttpStatusCode.OK, await login.Content.ReadAsStringAsync());
        }
        await stop.CancelAsync();
        (await traffic).ShouldBeGreaterThan(0);
    }

    private async Task<ReadyGateway> StartGatewayAsync()
    {
        var (process, url) = await HostProcess.StartReadyAsync(TestEnvironment.Split("gateway", App.Mail.Port));
        return new ReadyGateway(process, new HttpClient { BaseAddress = new Uri(url) });
    }

    private sealed class ReadyGateway(HostProcess process, HttpClient http) : IAsyncDisposable
    {
        public Task<HttpResponseMessage> PostAsJsonAsync(string url, object body) => http.PostAsJsonAsync(url, body);

        public async ValueTask DisposeAsync()
        {
            http.Dispose();
            await process.DisposeAsync();
        }
    }
}
