using System.Net;
using System.Net.Http.Json;
using Alba;
using Modular.Gateway.Tokens;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts;
using T = Modular.Users.Contracts.SecurityEventTypes;

namespace Modular.Tests.Scenarios;

/// <summary>The security trail of <c>/api/v1/users/{me|id}/security-events</c>: each event once, newest first, no secret.</summary>
public abstract class SecurityTrailScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    private const string Mine = "/api/v1/users/me/security-events";
    private const string WrongPassword = "not the password at all";

    [Fact]
    public async Task every_kind_of_event_is_recorded_once_newest_first_with_the_client_and_no_secret()
    {
        await RegisterFromAsync("trail@example.com", IPAddress.Parse("203.0.113.77"), "Trail/1.0");
        await App.VerifyEmailAsync("trail@example.com");
        await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "trail@example.com", password = WrongPassword }, 401);
        var second = await Gateway.LoginAsync("trail@example.com");
        await Gateway.SendAsync(HttpMethod.Post, "/api/v1/auth/change-password", second.AccessToken,
            new { currentPassword = Api.Password, newPassword = "the second passphrase" }, 204);
        await Gateway.RefreshAsync(second.RefreshToken, 200);
        await Gateway.RefreshAsync(second.RefreshToken, 401); // presented again: reuse, the session is revoked
        var third = await Gateway.LoginAsync("trail@example.com", "the second passphrase");
        await Gateway.SendAsync(HttpMethod.Post, "/api/v1/auth/logout", third.AccessToken, null, 204);
        await Gateway.PostJsonAsync("/api/v1/auth/forgot-password", new { email = "trail@example.com" }, 202);
        await App.Mail.WaitUntilAsync(m => m.Any(e => e.Subject.Contains("Reset")));
        await Gateway.PostJsonAsync("/api/v1/auth/reset-password",
            new { token = App.Mail.ResetTokenFor("trail@example.com"), newPassword = "the third passphrase" }, 204);
        var reader = await Gateway.LoginAsync("trail@example.com", "the third passphrase");

        string[] expected =
        [
            T.LoginSucceeded, T.PasswordReset, T.SessionEnded, T.LoginSucceeded, T.RefreshTokenReused, T.PasswordChanged,
            T.LoginSucceeded, T.LoginFailed, T.EmailVerified, T.Registered,
        ];
        var page = await WaitForTrailAsync(Gateway, reader.AccessToken, expected.Length);

        page.Items.Select(e => e.Type).ShouldBe(expected);
        page.Total.ShouldBe(expected.Length);
        page.Items.Select(e => e.OccurredAt).ShouldBeInOrder(SortDirection.Descending);
        var registered = page.Items.Last();
        registered.IpPrefix.ShouldBe("203.0.113.0/24");
        registered.UserAgent.ShouldBe("Trail/1.0");
        registered.SessionId.ShouldNotBeNull();
        page.Items.Single(e => e.Type == T.SessionEnded).SessionId.ShouldBe(
            page.Items.Where(e => e.Type == T.LoginSucceeded).ElementAt(1).SessionId, "the logout ended the session of the third login");

        var body = (await Gateway.SendAsync(HttpMethod.Get, Mine, reader.AccessToken, null, 200)).ReadAsText();
        foreach (var secret in new[] { Api.Password, WrongPassword, "the second passphrase", "the third passphrase", second.RefreshToken, "203.0.113.77" })
            body.ShouldNotContain(secret);
    }

    [Fact]
    public async Task a_lockout_is_in_the_trail_after_the_failures_that_caused_it()
    {
        var pair = await App.RegisterAsync("locked.trail@example.com");
        for (var i = 0; i < 5; i++)
            await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "locked.trail@example.com", password = WrongPassword }, 401);

        var page = await WaitForTrailAsync(Gateway, pair.AccessToken, 7);
        page.Items.Select(e => e.Type).ShouldBe([T.LockedOut, T.LoginFailed, T.LoginFailed, T.LoginFailed, T.LoginFailed, T.LoginFailed, T.Registered]);
    }

    [Fact]
    public async Task admins_read_anyones_trail_others_only_their_own_and_a_deleted_account_keeps_an_anonymous_count()
    {
        var admin = await App.RegisterAdminAsync();
        var user = await RegisterFromAsync("leaving@example.com", IPAddress.Parse("198.51.100.9"), "Leaving/1.0");

        await Gateway.GetAsync($"/api/v1/users/{admin.User.Id}/security-events", 403, user.AccessToken);
        (await Gateway.GetAsync($"/api/v1/users/{Guid.NewGuid()}/security-events", 404, admin.AccessToken)).ShouldBeProblem(404);
        (await Gateway.GetAsync($"/api/v1/users/not-an-id/security-events", 400, admin.AccessToken)).ShouldBeProblem(400);
        (await Gateway.GetAsync($"{Mine}?pageSize=0", 400, user.AccessToken)).ShouldBeProblem(400);
        var own = await ReadAsync(Gateway, $"/api/v1/users/{user.User.Id}/security-events", admin.AccessToken);
        own.Items.ShouldHaveSingleItem().IpPrefix.ShouldBe("198.51.100.0/24");

        await Gateway.SendAsync(HttpMethod.Delete, "/api/v1/users/me", user.AccessToken, new { currentPassword = Api.Password }, 204);

        var kept = await ReadAsync(Gateway, $"/api/v1/users/{user.User.Id}/security-events", admin.AccessToken);
        kept.Items.Select(e => e.Type).ShouldBe([T.AccountDeleted, T.Registered]);
        kept.Items.ShouldAllBe(e => e.IpPrefix == null && e.UserAgent == null && e.SessionId == null);
    }

    [Fact]
    public async Task the_trail_is_paged_newest_first()
    {
        var pair = await App.RegisterAsync("paged.trail@example.com");
        for (var i = 0; i < 3; i++)
            await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "paged.trail@example.com", password = WrongPassword }, 401);

        var second = await ReadAsync(Gateway, $"{Mine}?page=2&pageSize=3", pair.AccessToken);
        second.Total.ShouldBe(4);
        second.Items.ShouldHaveSingleItem().Type.ShouldBe(T.Registered);
        (await ReadAsync(Gateway, $"{Mine}?page=3&pageSize=3", pair.AccessToken)).Items.ShouldBeEmpty();
    }

    private async Task<TokenPair> RegisterFromAsync(string email, IPAddress client, string userAgent)
    {
        var pair = (await (await Gateway.Scenario(s =>
        {
            s.Post.Json(new { email, password = Api.Password }).ToUrl("/api/v1/auth/register");
            s.WithRequestHeader("User-Agent", userAgent);
            s.ConfigureHttpContext(c => c.Connection.RemoteIpAddress = client);
            s.StatusCodeShouldBe(201);
        })).ReadAsJsonAsync<TokenPair>())!;
        await App.Mail.WaitForAsync(email);
        return pair;
    }

    private static async Task<SecurityEventPage> ReadAsync(IAlbaHost gateway, string url, string accessToken) =>
        (await (await gateway.SendAsync(HttpMethod.Get, url, accessToken, null, 200)).ReadAsJsonAsync<SecurityEventPage>())!;

    /// <summary>
    /// The gateway's own events reach the trail through a message to Users after the answer: the trail is read
    /// again until it has <paramref name="count"/> entries (then checked for exactly those).
    /// </summary>
    internal static async Task<SecurityEventPage> WaitForTrailAsync(IAlbaHost gateway, string accessToken, int count, string url = Mine) =>
        await Eventually.ReadAsync(() => ReadAsync(gateway, $"{url}?pageSize=100", accessToken), page => page.Total >= count);
}

[Collection(SingleProcessCollection.Name)]
public sealed class SecurityTrailInSingleProcess(SingleProcessApp app) : SecurityTrailScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class SecurityTrailInSplitMode(SplitApp app) : SecurityTrailScenarios(app);
