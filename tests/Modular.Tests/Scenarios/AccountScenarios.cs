using System.Text.Json;
using Alba;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts;

namespace Modular.Tests.Scenarios;

/// <summary>/users/me and the admin routes.</summary>
public abstract class AccountScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task patch_me_updates_the_name()
    {
        var session = await App.RegisterAsync("dina@example.com", "Dina");

        var user = await (await Gateway.SendAsync(HttpMethod.Patch, "/api/v1/users/me", session.AccessToken, new { name = "  Dina D. " }, 200))
            .ReadAsJsonAsync<UserDetails>();

        user!.Name.ShouldBe("Dina D.");
        (await (await Gateway.GetAsync("/api/v1/auth/me", 200, session.AccessToken)).ReadAsJsonAsync<UserDetails>())!.Name.ShouldBe("Dina D.");
    }

    [Fact]
    public async Task patch_me_without_a_name_is_400_and_without_a_token_401()
    {
        var session = await App.RegisterAsync("eli@example.com");
        await Gateway.SendAsync(HttpMethod.Patch, "/api/v1/users/me", session.AccessToken, new { name = " " }, 400);
        await Gateway.SendAsync(HttpMethod.Patch, "/api/v1/users/me", null, new { name = "Eli" }, 401);
    }

    [Fact]
    public async Task delete_me_revokes_the_sessions_sends_a_goodbye_and_frees_the_email()
    {
        var session = await App.RegisterAsync("fay@example.com", "Fay");

        await Gateway.SendAsync(HttpMethod.Delete, "/api/v1/users/me", session.AccessToken, new { currentPassword = Api.Password }, 204);

        await Gateway.GetAsync("/api/v1/auth/me", 401, session.AccessToken);
        await Gateway.RefreshAsync(session.RefreshToken, 401);
        await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "fay@example.com", password = Api.Password }, 401);
        await App.Mail.WaitUntilAsync(_ => App.Mail.To("fay@example.com").Count == 2);
        var again = await Gateway.PostJsonAsync("/api/v1/auth/register", new { email = "fay@example.com", password = Api.Password }, 201);
        (await again.ReadAsJsonAsync<Modular.Gateway.Tokens.TokenPair>())!.User.Id.ShouldNotBe(session.User.Id);
        await App.Mail.WaitUntilAsync(_ => App.Mail.To("fay@example.com").Count == 3);
    }

    [Fact]
    public async Task deleting_the_account_needs_its_current_password()
    {
        var session = await App.RegisterAsync("gus@example.com");

        await Gateway.SendAsync(HttpMethod.Delete, "/api/v1/users/me", session.AccessToken, new { }, 400);
        (await Gateway.SendAsync(HttpMethod.Delete, "/api/v1/users/me", session.AccessToken, new { currentPassword = "not my password" }, 400))
            .ShouldBeProblem(400).GetProperty("errors").TryGetProperty("currentPassword", out _).ShouldBeTrue();

        await Gateway.GetAsync("/api/v1/auth/me", 200, session.AccessToken);
        await Gateway.LoginAsync("gus@example.com");
    }

    [Fact]
    public async Task an_admin_lists_users_by_page_with_the_total()
    {
        var admin = await App.RegisterAdminAsync();
        for (var i = 0; i < 4; i++) await App.RegisterAsync($"member{i}@example.com");

        var page = (await (await Gateway.GetAsync("/api/v1/users?page=2&pageSize=2", 200, admin.AccessToken)).ReadAsJsonAsync<UserPage>())!;

        page.Page.ShouldBe(2);
        page.PageSize.ShouldBe(2);
        page.Total.ShouldBe(5);
        page.Items.Select(u => u.Email).ShouldBe(["member1@example.com", "member2@example.com"]);
        var body = JsonDocument.Parse((await Gateway.GetAsync("/api/v1/users", 200, admin.AccessToken)).ReadAsText()).RootElement;
        body.EnumerateObject().Select(p => p.Name).ShouldBe(["items", "page", "pageSize", "total"], ignoreOrder: true);
    }

    [Theory]
    [InlineData("?page=0")]
    [InlineData("?pageSize=0")]
    [InlineData("?pageSize=101")]
    [InlineData("?page=abc")]
    public async Task listing_users_with_a_bad_page_is_400(string query)
    {
        var admin = await App.RegisterAdminAsync();
        (await Gateway.GetAsync($"/api/v1/users{query}", 400, admin.AccessToken)).ShouldBeProblem(400);
    }

    [Fact]
    public async Task listing_users_needs_the_admin_role()
    {
        var member = await App.RegisterAsync("gus@example.com");
        (await Gateway.GetAsync("/api/v1/users", 403, member.AccessToken)).ShouldBeProblem(403);
        (await Gateway.GetAsync("/api/v1/users", 401)).ShouldBeProblem(401);
    }

    [Fact]
    public async Task a_user_reads_their_own_account_an_admin_any_and_nobody_else_others()
    {
        var admin = await App.RegisterAdminAsync();
        var hal = await App.RegisterAsync("hal@example.com");
        var ivy = await App.RegisterAsync("ivy@example.com");

        await Gateway.GetAsync($"/api/v1/users/{hal.User.Id}", 200, hal.AccessToken);
        (await Gateway.GetAsync($"/api/v1/users/{ivy.User.Id}", 403, hal.AccessToken)).ShouldBeProblem(403);
        var read = await (await Gateway.GetAsync($"/api/v1/users/{ivy.User.Id}", 200, admin.AccessToken)).ReadAsJsonAsync<UserDetails>();
        read!.Email.ShouldBe("ivy@example.com");
        (await Gateway.GetAsync($"/api/v1/users/{Guid.NewGuid()}", 404, admin.AccessToken)).ShouldBeProblem(404);
        (await Gateway.GetAsync("/api/v1/users/not-a-guid", 400, admin.AccessToken)).ShouldBeProblem(400);
        await Gateway.GetAsync($"/api/v1/users/{ivy.User.Id}", 401);
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class AccountsInSingleProcess(SingleProcessApp app) : AccountScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class AccountsInSplitMode(SplitApp app) : AccountScenarios(app);
