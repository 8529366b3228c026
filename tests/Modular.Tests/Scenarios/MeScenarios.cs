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
    public async Task the_access_token_is_an_HS256_jwt_with_the_claims_of_the_spec()
    {
        var pair = await App.RegisterAsync(TestEnvironment.AdminEmail);

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
    public async Task me_with_a_tampered_or_unsigned_token_is_401()
    {
        var pair = await App.RegisterAsync("judy@example.com");
        var parts = pair.AccessToken.Split('.');
        var otherPayload = Base64Url(Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1]))).Replace("\"user\"", "\"admin\""));

        await Gateway.GetAsync("/api/v1/auth/me", 401, $"{parts[0]}.{otherPayload}.{parts[2]}");
        await Gateway.GetAsync("/api/v1/auth/me", 401, $"{Base64Url("""{"alg":"none","typ":"at+jwt"}""")}.{parts[1]}.");
    }

    private static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class MeInSingleProcess(SingleProcessApp app) : MeScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class MeInSplitMode(SplitApp app) : MeScenarios(app);
