using System.Net;
using Alba;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

/// <summary>Limits counted in Redis hold across every gateway of the mode (two replicas in split mode).</summary>
public abstract class RateLimitScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    private const int Limit = 6;
    private const int AuthLimit = 3;

    [Fact]
    public async Task requests_over_THROTTLE_LIMIT_from_one_ip_are_429_with_retry_after_whichever_gateway_they_reach()
    {
        await using var gateways = await StartGatewaysAsync();
        var client = IPAddress.Parse("203.0.113.7");
        for (var i = 0; i < Limit; i++) await Me(gateways[i % gateways.Length], client, 401);

        var rejected = await Me(gateways[Limit % gateways.Length], client, 429);

        rejected.ShouldBeProblem(429);
        int.Parse(rejected.Context.Response.Headers.RetryAfter.ToString()).ShouldBeInRange(1, 60);
        rejected.Context.Response.Headers["RateLimit-Limit"].ToString().ShouldBe(Limit.ToString());
        rejected.Context.Response.Headers["RateLimit-Remaining"].ToString().ShouldBe("0");
        await Me(gateways[0], IPAddress.Parse("203.0.113.8"), 401); // another client still has its allowance
    }

    [Fact]
    public async Task behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance_and_no_one_else_can_name_one()
    {
        await using var gateways = await StartGatewaysAsync(trustedProxies: "10.0.0.0/8");
        var ingress = IPAddress.Parse("10.1.2.3");
        for (var i = 0; i < Limit; i++) await Me(gateways[i % gateways.Length], ingress, 401, "198.51.100.50");
        (await Me(gateways[0], ingress, 429, "198.51.100.50")).ShouldBeProblem(429);
        await Me(gateways[0], ingress, 401, "198.51.100.51"); // another client behind the same Ingress
        // A client may prepend what it likes; the Ingress appends the address it saw, and that one counts.
        await Me(gateways[0], ingress, 429, "192.0.2.1, 198.51.100.50");

        // A peer that is not a trusted proxy is the client, whatever it claims.
        var direct = IPAddress.Parse("203.0.113.9");
        for (var i = 0; i < Limit; i++) await Me(gateways[i % gateways.Length], direct, 401, $"192.0.2.{i + 10}");
        (await Me(gateways[0], direct, 429, "192.0.2.200")).ShouldBeProblem(429);
    }

    [Fact]
    public async Task ipv6_clients_share_one_allowance_per_64()
    {
        await using var gateways = await StartGatewaysAsync();
        for (var i = 0; i < Limit; i++) await Me(gateways[i % gateways.Length], IPAddress.Parse($"2001:db8:1:2::{i + 1:x}"), 401);
        (await Me(gateways[0], IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:1"), 429)).ShouldBeProblem(429);
        await Me(gateways[0], IPAddress.Parse("2001:db8:1:3::1"), 401); // the next /64 is another client
    }

    [Fact]
    public async Task login_attempts_over_AUTH_THROTTLE_LIMIT_are_429_per_ip_and_per_email()
    {
        await using var gateways = await StartGatewaysAsync();
        var attacker = IPAddress.Parse("198.51.100.1");
        for (var i = 0; i < AuthLimit; i++) await Login(gateways[i % gateways.Length], attacker, $"victim{i}@example.com", 401);
        (await Login(gateways[^1], attacker, "someone-else@example.com", 429)).ShouldBeProblem(429);

        // One address tried from many IPs: each IP is fresh, the address is not.
        for (var i = 0; i < AuthLimit; i++) await Login(gateways[i % gateways.Length], IPAddress.Parse($"192.0.2.{i + 1}"), "target@example.com", 401);
        (await Login(gateways[0], IPAddress.Parse("192.0.2.99"), "TARGET@example.com", 429)).ShouldBeProblem(429);
    }

    [Theory]
    [InlineData("POST", "/api/v1/auth/change-password")]
    [InlineData("DELETE", "/api/v1/users/me")]
    public async Task password_guesses_of_a_signed_in_account_over_AUTH_THROTTLE_LIMIT_are_429_from_any_ip(string method, string path)
    {
        await using var gateways = await StartGatewaysAsync();
        var session = await App.RegisterAsync("guessed@example.com", gateway: gateways[0]);
        for (var i = 0; i < AuthLimit; i++)
            await Guess(gateways[i % gateways.Length], IPAddress.Parse($"192.0.2.{i + 1}"), 400);

        (await Guess(gateways[0], IPAddress.Parse("192.0.2.99"), 429)).ShouldBeProblem(429);
        await gateways[0].LoginAsync("guessed@example.com"); // the account itself is untouched

        Task<IScenarioResult> Guess(IAlbaHost gateway, IPAddress client, int expectedStatus) => gateway.Scenario(s =>
        {
            var body = new { currentPassword = "a wrong guess", newPassword = "whatever comes next" };
            if (method == "POST") s.Post.Json(body).ToUrl(path);
            else s.Delete.Json(new { body.currentPassword }).ToUrl(path);
            s.WithBearerToken(session.AccessToken);
            s.ConfigureHttpContext(c => c.Connection.RemoteIpAddress = client);
            s.StatusCodeShouldBe(expectedStatus);
        });
    }

    [Fact]
    public async Task the_auth_limit_counts_the_login_endpoint_however_its_path_is_spelled()
    {
        await using var gateways = await StartGatewaysAsync();
        var client = IPAddress.Parse("198.51.100.77");
        string[] spellings = ["/api/v1/auth/login/", "/api/v1/AUTH/Login", "/api/v1/auth/login"];
        for (var i = 0; i < AuthLimit; i++)
            await LoginAt(gateways[i % gateways.Length], spellings[i % spellings.Length], client, $"spelled{i}@example.com", 401);
        (await LoginAt(gateways[0], "/api/v1/auth/login/", client, "spelled-last@example.com", 429)).ShouldBeProblem(429);
    }

    /// <summary>Every gateway of the mode, with small limits; disposing stops them all.</summary>
    private async Task<Replicas> StartGatewaysAsync(string trustedProxies = "") =>
        new(await Task.WhenAll(App.Gateways.Select(_ => App.StartGatewayAsync(settings =>
        {
            settings["TRUSTED_PROXIES"] = trustedProxies;
            settings["THROTTLE_LIMIT"] = Limit.ToString();
            settings["AUTH_THROTTLE_LIMIT"] = AuthLimit.ToString();
            settings["THROTTLE_TTL"] = "60s";
        }))));

    private sealed class Replicas(IAlbaHost[] hosts) : IAsyncDisposable
    {
        public int Length => hosts.Length;

        public IAlbaHost this[int index] => hosts[index];

        public async ValueTask DisposeAsync()
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }

    private static Task<IScenarioResult> Me(IAlbaHost gateway, IPAddress client, int expectedStatus, string? forwardedFor = null) =>
        gateway.Scenario(s =>
        {
            s.Get.Url("/api/v1/auth/me");
            if (forwardedFor is not null) s.WithRequestHeader("X-Forwarded-For", forwardedFor);
            s.ConfigureHttpContext(c => c.Connection.RemoteIpAddress = client);
            s.StatusCodeShouldBe(expectedStatus);
        });

    private static Task<IScenarioResult> Login(IAlbaHost gateway, IPAddress client, string email, int expectedStatus) =>
        LoginAt(gateway, "/api/v1/auth/login", client, email, expectedStatus);

    private static Task<IScenarioResult> LoginAt(IAlbaHost gateway, string path, IPAddress client, string email, int expectedStatus) =>
        gateway.Scenario(s =>
        {
            s.Post.Json(new { email, password = "wrong password" }).ToUrl(path);
            s.ConfigureHttpContext(c => c.Connection.RemoteIpAddress = client);
            s.StatusCodeShouldBe(expectedStatus);
        });
}

[Collection(SingleProcessCollection.Name)]
public sealed class RateLimitsInSingleProcess(SingleProcessApp app) : RateLimitScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class RateLimitsInSplitMode(SplitApp app) : RateLimitScenarios(app);
