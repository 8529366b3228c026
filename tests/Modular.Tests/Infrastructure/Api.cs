using System.Net.Http.Headers;
using System.Text.Json;
using Alba;
using Modular.Gateway.Tokens;

namespace Modular.Tests.Infrastructure;

/// <summary>The HTTP calls the scenarios make again and again.</summary>
public static class Api
{
    public const string Password = "correct horse battery";

    /// <summary>Registers an account through <paramref name="gateway"/> (the app's first by default) and waits for its welcome e-mail.</summary>
    public static async Task<TokenPair> RegisterAsync(this ModularApp app, string email, string? name = null, IAlbaHost? gateway = null)
    {
        var result = await (gateway ?? app.Gateway).PostJsonAsync("/api/v1/auth/register", new { email, password = Password, name }, 201);
        var pair = (await result.ReadAsJsonAsync<TokenPair>())!;
        await app.Mail.WaitForAsync(pair.User.Email);
        return pair;
    }

    /// <summary>Follows the verification link of the latest e-mail that <paramref name="email"/> received.</summary>
    public static async Task VerifyEmailAsync(this ModularApp app, string email, IAlbaHost? gateway = null) =>
        await (gateway ?? app.Gateway).PostJsonAsync("/api/v1/auth/verify-email", new { token = app.Mail.VerificationTokenFor(email) }, 204);

    /// <summary>
    /// The account of <see cref="TestEnvironment.AdminEmail"/>, registered and verified, and a session of it opened
    /// after the verification (tokens issued before it carry no admin role).
    /// </summary>
    public static async Task<TokenPair> RegisterAdminAsync(this ModularApp app)
    {
        await app.RegisterAsync(TestEnvironment.AdminEmail);
        await app.VerifyEmailAsync(TestEnvironment.AdminEmail);
        return await app.Gateway.LoginAsync(TestEnvironment.AdminEmail);
    }

    public static async Task<TokenPair> LoginAsync(this IAlbaHost gateway, string email, string password = Password) =>
        (await (await gateway.PostJsonAsync("/api/v1/auth/login", new { email, password }, 200)).ReadAsJsonAsync<TokenPair>())!;

    public static async Task<IScenarioResult> RefreshAsync(this IAlbaHost gateway, string refreshToken, int expectedStatus) =>
        await gateway.PostJsonAsync("/api/v1/auth/refresh", new { refreshToken }, expectedStatus);

    /// <summary>Sends <paramref name="body"/> (or none) with <paramref name="method"/>, as the bearer of <paramref name="accessToken"/>.</summary>
    public static async Task<IScenarioResult> SendAsync(this IAlbaHost gateway, HttpMethod method, string url, string? accessToken,
        object? body, int expectedStatus) =>
        await gateway.Scenario(s =>
        {
            switch (method.Method)
            {
                case "GET": s.Get.Url(url); break;
                case "DELETE" when body is null: s.Delete.Url(url); break;
                case "DELETE": s.Delete.Json(body).ToUrl(url); break;
                case "PATCH": s.Patch.Json(body ?? new { }).ToUrl(url); break;
                default: s.Post.Json(body ?? new { }).ToUrl(url); break;
            }
            if (accessToken is not null) s.WithRequestHeader("Authorization", $"Bearer {accessToken}");
            s.StatusCodeShouldBe(expectedStatus);
        });

    public static async Task<IScenarioResult> PostJsonAsync(this IAlbaHost host, string url, object body, int expectedStatus) =>
        await host.Scenario(s =>
        {
            s.Post.Json(body).ToUrl(url);
            s.StatusCodeShouldBe(expectedStatus);
        });

    public static async Task<IScenarioResult> PostRawAsync(this IAlbaHost host, string url, string body, int expectedStatus,
        string contentType = "application/json") =>
        await host.Scenario(s =>
        {
            s.Post.Text(body).ToUrl(url);
            s.WithRequestHeader("Content-Type", contentType);
            s.StatusCodeShouldBe(expectedStatus);
        });

    public static async Task<IScenarioResult> GetAsync(this IAlbaHost host, string url, int expectedStatus, string? bearer = null) =>
        await host.Scenario(s =>
        {
            s.Get.Url(url);
            if (bearer is not null) s.WithRequestHeader("Authorization", new AuthenticationHeaderValue("Bearer", bearer).ToString());
            s.StatusCodeShouldBe(expectedStatus);
        });

    /// <summary>Asserts an RFC 9457 problem body and returns it.</summary>
    public static JsonElement ShouldBeProblem(this IScenarioResult result, int status)
    {
        result.Context.Response.ContentType.ShouldStartWith("application/problem+json");
        var problem = JsonDocument.Parse(result.ReadAsText()).RootElement;
        problem.GetProperty("status").GetInt32().ShouldBe(status);
        problem.GetProperty("title").GetString().ShouldNotBeNullOrWhiteSpace();
        return problem;
    }
}
