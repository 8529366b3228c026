using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Modular.Gateway.Tokens;
using Modular.Tests.Infrastructure;
using T = Modular.Users.Contracts.SecurityEventTypes;

namespace Modular.Tests.Scenarios;

/// <summary>
/// An event the client was answered about is in the trail exactly once, even when the gateway process that answered
/// is killed (SIGKILL) right after the answer: gateways run as OS processes here, over Kafka.
/// </summary>
[Collection(SplitCollection.Name)]
public sealed class SecurityTrailCrashTests(SplitApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task a_failed_login_and_a_logout_answered_by_a_gateway_killed_right_after_are_each_in_the_trail_once()
    {
        var reader = await App.RegisterAsync("crash.trail@example.com");

        TokenPair session;
        await using (var first = await StartGatewayProcessAsync())
        {
            var login = await first.Http.PostAsJsonAsync("/api/v1/auth/login", new { email = "crash.trail@example.com", password = Api.Password });
            login.StatusCode.ShouldBe(HttpStatusCode.OK, await DescribeAsync(login, first.Process));
            session = (await login.Content.ReadFromJsonAsync<TokenPair>())!;
            var failed = await first.Http.PostAsJsonAsync("/api/v1/auth/login", new { email = "crash.trail@example.com", password = "wrong, and then a crash" });
            await first.Process.KillAsync();
            failed.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, await DescribeAsync(failed, first.Process));
        }

        await using (var second = await StartGatewayProcessAsync())
        {
            using var logout = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/logout");
            logout.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
            var answer = await second.Http.SendAsync(logout);
            await second.Process.KillAsync();
            answer.StatusCode.ShouldBe(HttpStatusCode.NoContent, await DescribeAsync(answer, second.Process));
        }

        var page = await SecurityTrailScenarios.WaitForTrailAsync(Gateway, reader.AccessToken, 4);
        page.Items.Select(e => e.Type).ShouldBe([T.SessionEnded, T.LoginFailed, T.LoginSucceeded, T.Registered]);
    }

    /// <summary>For the message of a failed assertion: what the user-services did, and the gateway's log.</summary>
    private async Task<string> DescribeAsync(HttpResponseMessage answer, HostProcess gateway) =>
        answer.IsSuccessStatusCode || answer.StatusCode == HttpStatusCode.Unauthorized
            ? ""
            : await app.DescribeRequestThroughAsync(gateway);

    private async Task<GatewayProcess> StartGatewayProcessAsync()
    {
        var (process, url) = await HostProcess.StartReadyAsync(TestEnvironment.StartedGateway(App.Mail.Port));
        // Ready means a request to Users comes back to this process (the gateway's readiness check "users").
        return new GatewayProcess(process, new HttpClient { BaseAddress = new Uri(url) });
    }

    private sealed record GatewayProcess(HostProcess Process, HttpClient Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Process.DisposeAsync();
        }
    }
}
