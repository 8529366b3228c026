using System.Text.Json;
using Alba;
using Microsoft.IdentityModel.JsonWebTokens;
using Modular.Gateway.Tokens;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

public abstract class RegisterScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task register_returns_201_with_a_token_pair_and_the_user_without_secrets()
    {
        var result = await Gateway.PostJsonAsync("/api/v1/auth/register",
            new { email = "  Ann@Example.COM ", password = Api.Password, name = "Ann" }, 201);

        var pair = (await result.ReadAsJsonAsync<TokenPair>())!;
        pair.TokenType.ShouldBe("Bearer");
        pair.ExpiresIn.ShouldBe(900);
        pair.AccessToken.ShouldNotBeNullOrWhiteSpace();
        pair.RefreshToken.ShouldNotBe(pair.AccessToken);
        pair.User.Email.ShouldBe("ann@example.com");
        pair.User.Name.ShouldBe("Ann");
        pair.User.Roles.ShouldBe(["user"]);
        result.Context.Response.Headers.Location.ToString().ShouldBe($"/api/v1/users/{pair.User.Id}");

        var user = JsonDocument.Parse(result.ReadAsText()).RootElement.GetProperty("user");
        user.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "email", "name", "roles", "emailVerified", "emailVerifiedAt", "createdAt", "updatedAt"], ignoreOrder: true);
        await App.Mail.WaitForAsync("ann@example.com");
    }

    [Fact]
    public async Task register_sends_one_welcome_email_to_the_new_user()
    {
        await Gateway.PostJsonAsync("/api/v1/auth/register", new { email = "bob@example.com", password = Api.Password, name = "Bob" }, 201);

        var mail = await App.Mail.WaitForAsync("bob@example.com");
        mail.FromAddress.Address.ShouldBe("no-reply@modular.test");
        mail.Subject.ShouldContain("Welcome");
        App.Mail.Messages.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task register_without_a_name_names_the_user_after_the_email()
    {
        var pair = await App.RegisterAsync("carol@example.com");
        pair.User.Name.ShouldBe("carol");
    }

    [Fact]
    public async Task an_ADMIN_EMAILS_address_is_a_plain_user_until_it_is_verified()
    {
        // Whoever registers the address first gets an account, but the role goes only to the owner of the mailbox.
        var pair = await App.RegisterAsync(TestEnvironment.AdminEmail.ToUpperInvariant());
        pair.User.Roles.ShouldBe(["user"]);
        pair.User.EmailVerified.ShouldBeFalse();
        new JsonWebToken(pair.AccessToken).Claims.Where(c => c.Type == "role").Select(c => c.Value).ShouldBe(["user"]);
        (await Gateway.GetAsync("/api/v1/users", 403, pair.AccessToken)).ShouldBeProblem(403);
        (await Gateway.LoginAsync(TestEnvironment.AdminEmail)).User.Roles.ShouldBe(["user"]);

        await App.VerifyEmailAsync(TestEnvironment.AdminEmail);

        var admin = await Gateway.LoginAsync(TestEnvironment.AdminEmail);
        admin.User.Roles.ShouldBe(["user", "admin"], ignoreOrder: true);
        await Gateway.GetAsync("/api/v1/users", 200, admin.AccessToken);
        // A refreshed session of before the verification carries the role too: refresh reads the user anew.
        var refreshed = (await (await Gateway.RefreshAsync(pair.RefreshToken, 200)).ReadAsJsonAsync<TokenPair>())!;
        await Gateway.GetAsync("/api/v1/users", 200, refreshed.AccessToken);
    }

    [Fact]
    public async Task register_with_an_email_already_taken_in_any_case_is_409()
    {
        await App.RegisterAsync("dave@example.com");

        var result = await Gateway.PostJsonAsync("/api/v1/auth/register", new { email = "DAVE@example.com ", password = "another password" }, 409);
        result.ShouldBeProblem(409);
    }

    [Fact]
    public async Task concurrent_registrations_of_one_email_create_exactly_one_account()
    {
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => App.Gateways[i % App.Gateways.Count].Scenario(s =>
        {
            s.Post.Json(new { email = "race@example.com", password = Api.Password }).ToUrl("/api/v1/auth/register");
            s.IgnoreStatusCode();
        })));

        var statuses = attempts.Select(a => a.Context.Response.StatusCode).ToArray();
        statuses.Count(s => s == 201).ShouldBe(1, string.Join(",", statuses));
        statuses.Count(s => s == 409).ShouldBe(7, string.Join(",", statuses));
        await App.Mail.WaitForAsync("race@example.com");
    }

    [Theory]
    [InlineData("not-an-email", Api.Password, "email")]
    [InlineData("", Api.Password, "email")]
    [InlineData("ann@example", Api.Password, "email")]
    [InlineData("Ann <ann@example.com>", Api.Password, "email")]
    [InlineData("ann@example.com", "short", "password")]
    [InlineData("ann@example.com", "", "password")]
    [InlineData("ann@example.com", null, "password")]
    public async Task register_with_invalid_input_is_400_naming_the_field(string email, string? password, string field)
    {
        var result = await Gateway.PostJsonAsync("/api/v1/auth/register", new { email, password }, 400);

        var problem = result.ShouldBeProblem(400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }

    [Fact]
    public async Task register_with_a_password_over_128_characters_is_400()
    {
        var result = await Gateway.PostJsonAsync("/api/v1/auth/register", new { email = "ann@example.com", password = new string('x', 129) }, 400);
        result.ShouldBeProblem(400).GetProperty("errors").TryGetProperty("password", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("""{"email":"ann@example.com","password":"correct horse","isAdmin":true}""")]
    [InlineData("""{"email":"ann@example.com","password":12345678}""")]
    [InlineData("""{"email":"ann@example.com","password":""")]
    [InlineData("not json at all")]
    [InlineData("")]
    public async Task register_with_a_body_that_is_not_the_expected_json_is_400(string body)
    {
        var result = await Gateway.PostRawAsync("/api/v1/auth/register", body, 400);
        result.ShouldBeProblem(400);
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class RegisterInSingleProcess(SingleProcessApp app) : RegisterScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class RegisterInSplitMode(SplitApp app) : RegisterScenarios(app);
