using System.Text.Json;
using Modular.Gateway.Tokens;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts;
using Npgsql;

namespace Modular.Tests.Scenarios;

/// <summary>verify-email and resend-verification, with the welcome e-mail's link and <c>REQUIRE_VERIFIED_EMAIL</c>.</summary>
public abstract class EmailVerificationScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task the_welcome_link_verifies_the_address_and_every_replica_shows_it_at_once()
    {
        var pair = await App.RegisterAsync("vera@example.com", "Vera");
        pair.User.EmailVerified.ShouldBeFalse();
        pair.User.EmailVerifiedAt.ShouldBeNull();
        var welcome = Mailbox.Text(App.Mail.To("vera@example.com").Single());
        welcome.ShouldContain("http://localhost:3000/verify-email?token=");

        await App.VerifyEmailAsync("vera@example.com");

        foreach (var gateway in App.Gateways)
        {
            var me = (await (await gateway.GetAsync("/api/v1/auth/me", 200, pair.AccessToken)).ReadAsJsonAsync<UserDetails>())!;
            me.EmailVerified.ShouldBeTrue();
            me.EmailVerifiedAt.ShouldNotBeNull().ShouldBeGreaterThan(pair.User.CreatedAt);
        }
        (await Gateway.LoginAsync("vera@example.com")).User.EmailVerified.ShouldBeTrue();
    }

    [Fact]
    public async Task a_verification_token_that_is_reused_forged_or_expired_is_400()
    {
        await App.RegisterAsync("walt@example.com");
        var token = App.Mail.VerificationTokenFor("walt@example.com");
        await Gateway.PostJsonAsync("/api/v1/auth/verify-email", new { token }, 204);

        (await Gateway.PostJsonAsync("/api/v1/auth/verify-email", new { token }, 400)).ShouldBeProblem(400)
            .GetProperty("errors").TryGetProperty("token", out _).ShouldBeTrue();
        (await Gateway.PostJsonAsync("/api/v1/auth/verify-email", new { token = token[..^2] + "AA" }, 400)).ShouldBeProblem(400);
        (await Gateway.PostJsonAsync("/api/v1/auth/verify-email", new { token = "" }, 400)).ShouldBeProblem(400);

        await App.RegisterAsync("xena@example.com");
        await AgeVerificationTokensAsync(TimeSpan.FromHours(25));
        (await Gateway.PostJsonAsync("/api/v1/auth/verify-email",
            new { token = App.Mail.VerificationTokenFor("xena@example.com") }, 400)).ShouldBeProblem(400);
        (await Gateway.LoginAsync("xena@example.com")).User.EmailVerified.ShouldBeFalse();
    }

    [Fact]
    public async Task resend_verification_sends_a_new_link_and_the_older_one_stops_working()
    {
        var pair = await App.RegisterAsync("yuri@example.com");
        var first = App.Mail.VerificationTokenFor("yuri@example.com");
        // The welcome e-mail's link is older than the five minutes in which no second link is sent.
        await AgeVerificationTokensAsync(TimeSpan.FromMinutes(6));

        await Gateway.SendAsync(HttpMethod.Post, "/api/v1/auth/resend-verification", pair.AccessToken, null, 202);

        await App.Mail.WaitUntilAsync(_ => App.Mail.To("yuri@example.com").Count == 2);
        var second = App.Mail.VerificationTokenFor("yuri@example.com", resent: true);
        second.ShouldNotBe(first);
        (await Gateway.PostJsonAsync("/api/v1/auth/verify-email", new { token = first }, 400)).ShouldBeProblem(400);
        await Gateway.PostJsonAsync("/api/v1/auth/verify-email", new { token = second }, 204);
    }

    [Fact]
    public async Task resend_verification_needs_a_session()
    {
        (await Gateway.PostJsonAsync("/api/v1/auth/resend-verification", new { }, 401)).ShouldBeProblem(401);
    }

    [Fact]
    public async Task with_REQUIRE_VERIFIED_EMAIL_a_right_password_on_an_unverified_address_is_403_and_a_wrong_one_401()
    {
        await using var gateway = await App.StartGatewayAsync(settings => settings["REQUIRE_VERIFIED_EMAIL"] = "true");
        await App.RegisterAsync("zora@example.com", gateway: gateway);

        var problem = (await gateway.PostJsonAsync("/api/v1/auth/login", new { email = "zora@example.com", password = Api.Password }, 403))
            .ShouldBeProblem(403);
        problem.GetProperty("type").GetString().ShouldEndWith("/email-not-verified");
        // To someone without the password the account looks like any other.
        var wrong = (await gateway.PostJsonAsync("/api/v1/auth/login", new { email = "zora@example.com", password = "not the password" }, 401))
            .ReadAsText();
        var unknown = (await gateway.PostJsonAsync("/api/v1/auth/login", new { email = "nobody@example.com", password = "not the password" }, 401))
            .ReadAsText();
        Detail(wrong).ShouldBe(Detail(unknown));

        await App.VerifyEmailAsync("zora@example.com", gateway);
        await gateway.LoginAsync("zora@example.com");
        // The default gateway does not ask for it.
        await App.RegisterAsync("anna@example.com");
        await Gateway.LoginAsync("anna@example.com");
    }

    private static string? Detail(string problem) => JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString();

    /// <summary>Moves every stored verification token <paramref name="by"/> into the past, as if that much time had gone by.</summary>
    private async Task AgeVerificationTokensAsync(TimeSpan by)
    {
        await using var connection = await TestDatabase.OpenAsync(App.DatabaseUrl);
        await using var age = new NpgsqlCommand("""
            UPDATE users.mt_doc_emailverificationtoken SET data = data
              || jsonb_build_object('CreatedAt', (data->>'CreatedAt')::timestamptz - @by)
              || jsonb_build_object('ExpiresAt', (data->>'ExpiresAt')::timestamptz - @by)
            """, connection);
        age.Parameters.AddWithValue("by", by);
        (await age.ExecuteNonQueryAsync()).ShouldBeGreaterThan(0);
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class EmailVerificationInSingleProcess(SingleProcessApp app) : EmailVerificationScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class EmailVerificationInSplitMode(SplitApp app) : EmailVerificationScenarios(app);
