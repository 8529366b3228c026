using System.Net;
using Alba;
using Modular.Gateway.Auth;
using Modular.Gateway.Tokens;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

/// <summary>GET/DELETE <c>/api/v1/auth/sessions</c>: the caller's sessions, seen and ended, on every replica at once.</summary>
public abstract class SessionListScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    private const string Sessions = "/api/v1/auth/sessions";
    private const string Me = "/api/v1/auth/me";

    [Fact]
    public async Task the_list_shows_each_login_with_its_client_and_network_but_never_the_full_address()
    {
        await App.RegisterAsync("sid@example.com");
        var phone = await LoginFromAsync(Gateway, "sid@example.com", "Phone/1.0", IPAddress.Parse("203.0.113.77"));
        var laptop = await LoginFromAsync(Gateway, "sid@example.com", "Laptop/2.0", IPAddress.Parse("2001:db8:1:2::5"));

        var response = await Gateway.SendAsync(HttpMethod.Get, Sessions, laptop.AccessToken, null, 200);
        var sessions = (await response.ReadAsJsonAsync<List<SessionView>>())!;

        sessions.Count.ShouldBe(3);
        sessions.Select(s => s.Id).Distinct().Count().ShouldBe(3);
        sessions.Single(s => s.Current).UserAgent.ShouldBe("Laptop/2.0");
        sessions.Single(s => s.Current).IpPrefix.ShouldBe("2001:db8:1::/48");
        var phoneSession = sessions.Single(s => s.UserAgent == "Phone/1.0");
        phoneSession.IpPrefix.ShouldBe("203.0.113.0/24");
        phoneSession.Current.ShouldBeFalse();
        foreach (var session in sessions)
        {
            session.LastUsedAt.ShouldBeGreaterThanOrEqualTo(session.CreatedAt);
            session.ExpiresAt.ShouldBeInRange(session.LastUsedAt.AddDays(7).AddSeconds(-5), session.LastUsedAt.AddDays(7).AddSeconds(5));
        }
        var body = response.ReadAsText();
        body.ShouldNotContain("203.0.113.77");
        body.ShouldNotContain("2001:db8:1:2::5");
    }

    [Fact]
    public async Task a_refresh_keeps_the_session_and_moves_its_last_use_a_logout_removes_it()
    {
        var first = await App.RegisterAsync("ria@example.com");
        var second = await Gateway.LoginAsync("ria@example.com");
        var before = (await ListAsync(Gateway, first.AccessToken)).Single(s => s.Current);

        var refreshed = (await (await Gateway.RefreshAsync(first.RefreshToken, 200)).ReadAsJsonAsync<TokenPair>())!;

        var after = (await ListAsync(Gateway, refreshed.AccessToken)).Single(s => s.Current);
        after.Id.ShouldBe(before.Id);
        after.CreatedAt.ShouldBe(before.CreatedAt);
        after.LastUsedAt.ShouldBeGreaterThanOrEqualTo(before.LastUsedAt);

        await Gateway.SendAsync(HttpMethod.Post, "/api/v1/auth/logout", second.AccessToken, null, 204);
        (await ListAsync(Gateway, refreshed.AccessToken)).ShouldHaveSingleItem().Id.ShouldBe(before.Id);
    }

    [Fact]
    public async Task a_session_ended_on_one_gateway_is_refused_on_every_other_at_once()
    {
        await App.RegisterAsync("eve.ended@example.com");
        var keeper = await Gateway.LoginAsync("eve.ended@example.com");
        var lost = await Gateway.LoginAsync("eve.ended@example.com");
        await using var other = await App.StartGatewayAsync(_ => { });
        await other.GetAsync(Me, 200, lost.AccessToken);
        var lostId = (await ListAsync(Gateway, lost.AccessToken)).Single(s => s.Current).Id;

        await Gateway.SendAsync(HttpMethod.Delete, $"{Sessions}/{lostId}", keeper.AccessToken, null, 204);

        foreach (var gateway in new[] { Gateway, other })
        {
            (await gateway.GetAsync(Me, 401, lost.AccessToken)).ShouldBeProblem(401);
            await gateway.GetAsync(Me, 200, keeper.AccessToken);
        }
        await other.RefreshAsync(lost.RefreshToken, 401);
        (await ListAsync(other, keeper.AccessToken)).ShouldNotContain(s => s.Id == lostId);
        (await Gateway.SendAsync(HttpMethod.Delete, $"{Sessions}/{lostId}", keeper.AccessToken, null, 404)).ShouldBeProblem(404);
    }

    [Fact]
    public async Task another_users_session_id_is_404_and_stays_alive()
    {
        var mine = await App.RegisterAsync("owner.one@example.com");
        var theirs = await App.RegisterAsync("owner.two@example.com");
        var theirId = (await ListAsync(Gateway, theirs.AccessToken)).Single().Id;

        (await Gateway.SendAsync(HttpMethod.Delete, $"{Sessions}/{theirId}", mine.AccessToken, null, 404)).ShouldBeProblem(404);
        await Gateway.SendAsync(HttpMethod.Delete, $"{Sessions}/not-a-session", mine.AccessToken, null, 404);

        await Gateway.GetAsync(Me, 200, theirs.AccessToken);
        (await ListAsync(Gateway, mine.AccessToken)).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ending_all_other_sessions_keeps_only_the_current_one()
    {
        var current = await App.RegisterAsync("all.but.one@example.com");
        var others = new[] { await Gateway.LoginAsync("all.but.one@example.com"), await Gateway.LoginAsync("all.but.one@example.com") };

        await Gateway.SendAsync(HttpMethod.Delete, Sessions, current.AccessToken, null, 204);

        foreach (var gateway in App.Gateways)
            foreach (var other in others)
                await gateway.GetAsync(Me, 401, other.AccessToken);
        await Gateway.RefreshAsync(others[0].RefreshToken, 401);
        (await ListAsync(Gateway, current.AccessToken)).ShouldHaveSingleItem().Current.ShouldBeTrue();
        var refreshed = (await (await Gateway.RefreshAsync(current.RefreshToken, 200)).ReadAsJsonAsync<TokenPair>())!;
        await Gateway.GetAsync(Me, 200, refreshed.AccessToken);
    }

    [Fact]
    public async Task the_sessions_routes_need_a_token()
    {
        (await Gateway.GetAsync(Sessions, 401)).ShouldBeProblem(401);
        await Gateway.SendAsync(HttpMethod.Delete, Sessions, null, null, 401);
        await Gateway.SendAsync(HttpMethod.Delete, $"{Sessions}/x", null, null, 401);
    }

    private static async Task<List<SessionView>> ListAsync(IAlbaHost gateway, string accessToken) =>
        (await (await gateway.SendAsync(HttpMethod.Get, Sessions, accessToken, null, 200)).ReadAsJsonAsync<List<SessionView>>())!;

    private static async Task<TokenPair> LoginFromAsync(IAlbaHost gateway, string email, string userAgent, IPAddress client) =>
        (await (await gateway.Scenario(s =>
        {
            s.Post.Json(new { email, password = Api.Password }).ToUrl("/api/v1/auth/login");
            s.WithRequestHeader("User-Agent", userAgent);
            s.ConfigureHttpContext(c => c.Connection.RemoteIpAddress = client);
            s.StatusCodeShouldBe(200);
        })).ReadAsJsonAsync<TokenPair>())!;
}

[Collection(SingleProcessCollection.Name)]
public sealed class SessionListInSingleProcess(SingleProcessApp app) : SessionListScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class SessionListInSplitMode(SplitApp app) : SessionListScenarios(app);
