using System.Text;
using Alba;
using Microsoft.IdentityModel.JsonWebTokens;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts;

namespace Modular.Tests.Scenarios;

public abstract class MeScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task me_with_the_access_token_returns_the_user()
    {
        var pair = await App.RegisterAsync("heidi@example.com", "Heidi");

        var result = await Gateway.GetAsync("/api/v1/auth/me", 200, pair.AccessToken);

        var user = (await result.ReadAsJsonAsync<UserDetails>())!;
        user.Id.ShouldBe(pair.User.Id);
        user.Email.ShouldBe("heidi@example.com");
        user.Name.ShouldBe("Heidi");
    }

    [Fact]
    public async Task the_access_token_is_an_HS256_jwt_naming_the_user_their_email_and_roles_for_15_minutes()
    {
        var pair = await App.RegisterAdminAsync();

        var token = new JsonWebToken(pair.AccessToken);
        token.Alg.ShouldBe("HS256");
        token.Subject.ShouldBe(pair.User.Id.ToString());
        token.GetClaim("email").Value.ShouldBe(TestEnvironment.AdminEmail);
        token.Claims.Where(c => c.Type == "role").Select(c => c.Value).ShouldBe(["user", "admin"], ignoreOrder: true);
        token.Id.ShouldNotBeNullOrWhiteSpace();
        token.Issuer.ShouldNotBeNullOrWhiteSpace();
        token.Audiences.ShouldNotBeEmpty();
        (token.ValidTo - token.IssuedAt).ShouldBe(TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task me_without_a_token_is_401_problem()
    {
        var result = await Gateway.GetAsync("/api/v1/auth/me", 401);
        result.ShouldBeProblem(401);
    }

    [Fact]
    public async Task me_with_the_refresh_token_is_401()
    {
        var pair = await App.RegisterAsync("ivan@example.com");
        await Gateway.GetAsync("/api/v1/auth/me", 401, pair.RefreshToken);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    public async Task me_with_a_malformed_token_is_401(string token)
    {
        var result = await Gateway.GetAsync("/api/v1/auth/me", 401, token);
        result.ShouldBeProblem(401);
    }

    [Fact]
    public async Task me_with_a_tampered_unsigned_foreign_or_expired_token_is_401_problem()
    {
        var pair = await App.RegisterAsync("judy@example.com");
        var sub = new System.Security.Claims.Claim("sub", pair.User.Id.ToString());
        var now = DateTime.UtcNow;

        string[] refused =
        [
            Tokens.Tamper(pair.AccessToken, payload => payload.Replace("\"user\"", "\"admin\"")),
            Tokens.Unsigned(pair.AccessToken),
            Tokens.Sign("another-secret-of-at-least-32-bytes-long!", "at+jwt", now, now.AddMinutes(5), sub),
            Tokens.Sign(TestEnvironment.AccessSecret, "at+jwt", now.AddHours(-2), now.AddHours(-1), sub),
        ];
        foreach (var token in refused)
            (await Gateway.GetAsync("/api/v1/auth/me", 401, token)).ShouldBeProblem(401);
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("garbage")]
    public async Task me_with_a_malformed_authorization_header_is_401_problem(string header)
    {
        var result = await Gateway.Scenario(s =>
        {
            s.Get.Url("/api/v1/auth/me");
            s.WithRequestHeader("Authorization", header);
            s.StatusCodeShouldBe(401);
        });
        result.ShouldBeProblem(401);
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class MeInSingleProcess(SingleProcessApp app) : MeScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class MeInSplitMode(SplitApp app) : MeScenarios(app);
