using Alba;
using Modular.Gateway.Tokens;
using Modular.Tests.Infrastructure;
using Modular.Gateway;

namespace Modular.Tests.Scenarios;

/// <summary>Refresh rotation, reuse detection and logout: the token rules of the HTTP API (README).</summary>
public abstract class SessionScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    private static readonly HttpMethod Post = HttpMethod.Post;

    [Fact]
    public async Task a_second_revocation_after_the_refresh_lifetime_still_ends_the_sessions_opened_since_the_first()
    {
        var refreshLifetime = TimeSpan.FromSeconds(1);
        await using var gateway = await App.StartGatewayAsync(settings => settings["JWT_REFRESH_EXPIRES_IN"] = "1s");
        var first = await App.RegisterAsync("gene@example.com", gateway: gateway);
        await gateway.SendAsync(Post, "/api/v1/auth/change-password", first.AccessToken,
            new { currentPassword = Api.Password, newPassword = "the second passphrase" }, 204);
        var since = await gateway.LoginAsync("gene@example.com", "the second passphrase");

        // The revocation mark used to live as long as a refresh token: the clock itself is what is tested here.
        await Task.Delay(refreshLifetime + TimeSpan.FromMilliseconds(500));
        await gateway.GetAsync("/api/v1/auth/me", 200, since.AccessToken);
        var changing = await gateway.LoginAsync("gene@example.com", "the second passphrase");
        await gateway.SendAsync(Post, "/api/v1/auth/change-password", changing.AccessToken,
            new { currentPassword = "the second passphrase", newPassword = "the third passphrase" }, 204);

        await gateway.GetAsync("/api/v1/auth/me", 401, since.AccessToken);
        await gateway.GetAsync("/api/v1/auth/me", 200, changing.AccessToken);
    }

    [Fact]
    public async Task refreshing_never_extends_a_session_beyond_its_maximum_lifetime()
    {
        await using var gateway = await App.StartGatewayAsync(settings =>
        {
            settings["JWT_EXPIRES_IN"] = "2h";
            settings["SESSION_MAX_LIFETIME"] = "1h";
        });
        var login = await App.RegisterAsync("maxine@example.com", gateway: gateway);
        var started = Claims(login.RefreshToken).IssuedAt;

        var refreshed = (await (await gateway.RefreshAsync(login.RefreshToken, 200)).ReadAsJsonAsync<TokenPair>())!;
        var again = (await (await gateway.RefreshAsync(refreshed.RefreshToken, 200)).ReadAsJsonAsync<TokenPair>())!;

        foreach (var pair in new[] { login, refreshed, again })
        {
            // Seven days of refresh lifetime and two hours of access lifetime, cut to the hour the session has.
            Claims(pair.RefreshToken).ValidTo.ShouldBe(started.AddHours(1), TimeSpan.FromSeconds(2));
            Claims(pair.AccessToken).ValidTo.ShouldBeLessThanOrEqualTo(started.AddHours(1).AddSeconds(2));
            pair.ExpiresIn.ShouldBeLessThanOrEqualTo(3600);
        }
    }

    private static Microsoft.IdentityModel.JsonWebTokens.JsonWebToken Claims(string token) => new(token);

    [Fact]
    public async Task a_reused_refresh_token_a_failed_login_and_revocations_are_counted_as_security_events()
    {
        var before = await App.ScrapeAsync(GatewayModule.Definition);
        var first = await App.RegisterAsync("sec@example.com");
        await Gateway.RefreshAsync(first.RefreshToken, 200);

        await Gateway.RefreshAsync(first.RefreshToken, 401); // rotated already: reuse
        await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "sec@example.com", password = "not the password" }, 401);
        var other = await Gateway.LoginAsync("sec@example.com");
        await Gateway.SendAsync(Post, "/api/v1/auth/logout", other.AccessToken, null, 204);

        var after = await App.ScrapeAsync(GatewayModule.Definition);
        double Delta(string kind) =>
            after.Sum("modular_security_events_total", ("kind", kind)) - before.Sum("modular_security_events_total", ("kind", kind));
        Delta("refresh_token_reused").ShouldBe(1);
        Delta("login_failed").ShouldBe(1);
        Delta("session_ended").ShouldBe(1);
    }

    [Fact]
    public async Task refresh_returns_a_new_pair_and_the_old_refresh_token_is_dead()
    {
        var first = await App.RegisterAsync("rita@example.com");

        var second = (await (await Gateway.RefreshAsync(first.RefreshToken, 200)).ReadAsJsonAsync<TokenPair>())!;

        second.RefreshToken.ShouldNotBe(first.RefreshToken);
        second.User.Id.ShouldBe(first.User.Id);
        await Gateway.GetAsync("/api/v1/auth/me", 200, second.AccessToken);
        (await Gateway.RefreshAsync(first.RefreshToken, 401)).ShouldBeProblem(401);
    }

    [Fact]
    public async Task refresh_with_a_rotated_token_revokes_the_family()
    {
        var first = await App.RegisterAsync("sam@example.com");
        var second = (await (await Gateway.RefreshAsync(first.RefreshToken, 200)).ReadAsJsonAsync<TokenPair>())!;
        var otherSession = await Gateway.LoginAsync("sam@example.com");

        await Gateway.RefreshAsync(first.RefreshToken, 401); // reuse: someone holds a stolen copy

        await Gateway.RefreshAsync(second.RefreshToken, 401);
        await Gateway.GetAsync("/api/v1/auth/me", 401, second.AccessToken);
        await Gateway.GetAsync("/api/v1/auth/me", 200, otherSession.AccessToken);
        await Gateway.RefreshAsync(otherSession.RefreshToken, 200);
    }

    [Fact]
    public async Task concurrent_refreshes_with_the_same_token_through_every_gateway_let_exactly_one_win()
    {
        var pair = await App.RegisterAsync("tina@example.com");

        var attempts = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => App.Gateways[i % App.Gateways.Count].Scenario(s =>
        {
            s.Post.Json(new { refreshToken = pair.RefreshToken }).ToUrl("/api/v1/auth/refresh");
            s.IgnoreStatusCode();
        })));

        var statuses = attempts.Select(a => a.Context.Response.StatusCode).ToArray();
        statuses.Count(s => s == 200).ShouldBe(1, string.Join(",", statuses));
        statuses.Count(s => s == 401).ShouldBe(9, string.Join(",", statuses));
    }

    [Fact]
    public async Task an_access_token_is_never_accepted_as_a_refresh_token()
    {
        var pair = await App.RegisterAsync("uma@example.com");
        await Gateway.RefreshAsync(pair.AccessToken, 401);
        await Gateway.GetAsync("/api/v1/auth/me", 401, pair.RefreshToken);
    }

    [Theory]
    [InlineData("not a token")]
    [InlineData("a.b.c")]
    public async Task refresh_with_a_garbage_token_is_401(string token)
    {
        (await Gateway.RefreshAsync(token, 401)).ShouldBeProblem(401);
    }

    [Fact]
    public async Task refresh_without_a_token_is_400()
    {
        var problem = (await Gateway.PostJsonAsync("/api/v1/auth/refresh", new { }, 400)).ShouldBeProblem(400);
        problem.GetProperty("errors").TryGetProperty("refreshToken", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task logout_denies_the_access_token_and_revokes_its_refresh_family_but_not_other_sessions()
    {
        var session = await App.RegisterAsync("vera@example.com");
        var other = await Gateway.LoginAsync("vera@example.com");

        await Gateway.SendAsync(Post, "/api/v1/auth/logout", session.AccessToken, new { refreshToken = session.RefreshToken }, 204);

        await Gateway.GetAsync("/api/v1/auth/me", 401, session.AccessToken);
        await Gateway.RefreshAsync(session.RefreshToken, 401);
        await Gateway.GetAsync("/api/v1/auth/me", 200, other.AccessToken);
    }

    [Fact]
    public async Task logout_without_a_body_ends_the_session_of_the_access_token()
    {
        var session = await App.RegisterAsync("wade@example.com");

        await Gateway.Scenario(s =>
        {
            s.Post.Url("/api/v1/auth/logout");
            s.WithRequestHeader("Authorization", $"Bearer {session.AccessToken}");
            s.StatusCodeShouldBe(204);
        });

        await Gateway.RefreshAsync(session.RefreshToken, 401);
    }

    [Fact]
    public async Task logout_on_one_gateway_is_honoured_by_every_gateway()
    {
        var session = await App.RegisterAsync("xena@example.com");

        await App.Gateways[^1].SendAsync(Post, "/api/v1/auth/logout", session.AccessToken, new { }, 204);

        foreach (var gateway in App.Gateways) await gateway.GetAsync("/api/v1/auth/me", 401, session.AccessToken);
    }

    [Fact]
    public async Task logout_without_a_token_is_401()
    {
        (await Gateway.SendAsync(Post, "/api/v1/auth/logout", null, new { }, 401)).ShouldBeProblem(401);
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class SessionsInSingleProcess(SingleProcessApp app) : SessionScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class SessionsInSplitMode(SplitApp app) : SessionScenarios(app);
