using System.Diagnostics;
using System.Text.Json;
using Alba;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

/// <summary>Redis away: routes that need it answer 503 quickly, revocation is never skipped, and all recovers by itself.</summary>
public abstract class RedisOutageScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task while_redis_is_down_routes_that_need_it_answer_503_fast_and_readiness_names_it_then_all_recovers()
    {
        var redisUri = new Uri(TestEnvironment.RedisUrl);
        using var redis = new TcpForwarder(redisUri.Port);
        redis.Open();
        await using var gateway = await App.StartGatewayAsync(settings =>
            settings["REDIS_URL"] = $"redis://127.0.0.1:{redis.Port}{redisUri.AbsolutePath}");
        var session = await App.RegisterAsync("otto@example.com", gateway: gateway);

        redis.Close();

        var clock = Stopwatch.StartNew();
        (await gateway.GetAsync("/api/v1/auth/me", 503, session.AccessToken)).ShouldBeProblem(503);
        (await gateway.PostJsonAsync("/api/v1/auth/login", new { email = "otto@example.com", password = Api.Password }, 503)).ShouldBeProblem(503);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        var ready = await gateway.GetAsync("/health/ready", 503);
        JsonDocument.Parse(ready.ReadAsText()).RootElement.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString()
            .ShouldBe("Unhealthy");
        await gateway.GetAsync("/health", 200);

        redis.Open();
        await WaitUntilReadyAsync(gateway);
        await gateway.GetAsync("/api/v1/auth/me", 200, session.AccessToken);
    }

    [Fact]
    public async Task redis_back_empty_refuses_every_token_issued_before_even_one_revoked_before_and_signing_in_again_works()
    {
        await App.RegisterAsync("rhea@example.com");
        var revoked = await Gateway.LoginAsync("rhea@example.com");
        var kept = await Gateway.LoginAsync("rhea@example.com");
        await Gateway.SendAsync(HttpMethod.Post, "/api/v1/auth/change-password", kept.AccessToken,
            new { currentPassword = Api.Password, newPassword = "the second passphrase" }, 204);
        await Gateway.GetAsync("/api/v1/auth/me", 401, revoked.AccessToken);

        // Redis restarted without its data: the revocation marks are gone with the sessions. Fail closed.
        await App.EmptyRedisAsync();
        await Gateway.GetAsync("/api/v1/auth/me", 401, revoked.AccessToken);
        await Gateway.GetAsync("/api/v1/auth/me", 401, kept.AccessToken);
        await Gateway.RefreshAsync(kept.RefreshToken, 401);

        var again = await Gateway.LoginAsync("rhea@example.com", "the second passphrase");
        await Gateway.GetAsync("/api/v1/auth/me", 200, again.AccessToken);
        await Gateway.GetAsync("/api/v1/auth/me", 401, revoked.AccessToken);
        (await Gateway.RefreshAsync(again.RefreshToken, 200)).ShouldNotBeNull();
    }

    /// <summary>The readiness check itself is what tells that Redis is back.</summary>
    private static async Task WaitUntilReadyAsync(IAlbaHost gateway)
    {
        var ready = await Eventually.ReadAsync(() => gateway.Scenario(s => { s.Get.Url("/health/ready"); s.IgnoreStatusCode(); }),
            r => r.Context.Response.StatusCode == 200, TimeSpan.FromSeconds(60));
        ready.Context.Response.StatusCode.ShouldBe(200, "the gateway did not become ready again: " + ready.ReadAsText());
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class RedisOutageInSingleProcess(SingleProcessApp app) : RedisOutageScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class RedisOutageInSplitMode(SplitApp app) : RedisOutageScenarios(app);
