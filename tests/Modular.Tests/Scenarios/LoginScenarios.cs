using System.Text.Json;
using Alba;
using Modular.Gateway.Tokens;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

public abstract class LoginScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task more_sign_ins_at_once_than_the_gateway_can_hash_are_answered_503_with_retry_after_not_left_to_time_out()
    {
        await App.RegisterAsync("crowd@example.com");
        // The gateway runs 2 per core at once and queues 8 per core (PasswordWork): twice that is too many.
        var concurrent = Math.Max(2, 2 * Environment.ProcessorCount);
        var overload = 2 * (concurrent + 8 * Environment.ProcessorCount);

        var answers = await Task.WhenAll(Enumerable.Range(0, overload).Select(_ => Gateway.Scenario(s =>
        {
            s.Post.Json(new { email = "crowd@example.com", password = Api.Password }).ToUrl("/api/v1/auth/login");
            s.IgnoreStatusCode();
        })));

        var statuses = answers.Select(a => a.Context.Response.StatusCode).ToArray();
        statuses.ShouldAllBe(status => status == 200 || status == 503);
        statuses.Count(status => status == 200).ShouldBeGreaterThanOrEqualTo(concurrent);
        var busy = answers.First(a => a.Context.Response.StatusCode == 503);
        busy.ShouldBeProblem(503);
        busy.Context.Response.Headers.RetryAfter.ToString().ShouldBe("1");
    }

    [Fact]
    public async Task login_with_the_right_password_returns_a_new_token_pair_and_the_user()
    {
        var registered = await App.RegisterAsync("frank@example.com", "Frank");

        var result = await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = " FRANK@example.com", password = Api.Password }, 200);

        var pair = (await result.ReadAsJsonAsync<TokenPair>())!;
        pair.TokenType.ShouldBe("Bearer");
        pair.User.Id.ShouldBe(registered.User.Id);
        pair.AccessToken.ShouldNotBe(registered.AccessToken);
        await Gateway.GetAsync("/api/v1/auth/me", 200, pair.AccessToken);
    }

    [Fact]
    public async Task login_gives_the_same_401_for_an_unknown_email_and_a_wrong_password()
    {
        await App.RegisterAsync("grace@example.com");

        var wrongPassword = await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "grace@example.com", password = "wrong password" }, 401);
        var unknownEmail = await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "nobody@example.com", password = "wrong password" }, 401);

        Comparable(wrongPassword).ShouldBe(Comparable(unknownEmail));
        wrongPassword.ShouldBeProblem(401);
    }

    [Fact]
    public async Task login_without_email_or_password_is_400()
    {
        var result = await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "", password = "" }, 400);
        var errors = result.ShouldBeProblem(400).GetProperty("errors");
        errors.TryGetProperty("email", out _).ShouldBeTrue();
        errors.TryGetProperty("password", out _).ShouldBeTrue();
    }

    // The body without its per-request trace id.
    private static string Comparable(IScenarioResult result)
    {
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(result.ReadAsText())!;
        body.Remove("traceId");
        return JsonSerializer.Serialize(body);
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class LoginInSingleProcess(SingleProcessApp app) : LoginScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class LoginInSplitMode(SplitApp app) : LoginScenarios(app);
