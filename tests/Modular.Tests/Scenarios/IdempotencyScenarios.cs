using System.Text.Json;
using Alba;
using Microsoft.Extensions.DependencyInjection;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts;
using Npgsql;
using StackExchange.Redis;
using Wolverine;

namespace Modular.Tests.Scenarios;

/// <summary>Safe retries with <c>Idempotency-Key</c> (docs/adr/0018), in both modes; in split mode a repetition goes to the other replica.</summary>
public abstract class IdempotencyScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    private const string RegisterUrl = "/api/v1/auth/register";

    private IAlbaHost OtherGateway => App.Gateways[^1];

    [Fact]
    public async Task register_repeated_with_its_key_answers_the_first_201_and_makes_one_account_and_one_welcome_email()
    {
        var key = Guid.NewGuid().ToString();
        var body = Register("replay@example.com");

        var first = await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, body, key, 201);
        var again = await SendAsync(OtherGateway, HttpMethod.Post, RegisterUrl, body, key, 201);

        again.ReadAsText().ShouldBe(first.ReadAsText());
        again.Context.Response.Headers.Location.ToString().ShouldBe(first.Context.Response.Headers.Location.ToString());
        again.Context.Response.ContentType.ShouldBe(first.Context.Response.ContentType);
        again.Context.Response.Headers[IdempotencyKeys.ReplayedHeader].ToString().ShouldBe("true");
        first.Context.Response.Headers.ContainsKey(IdempotencyKeys.ReplayedHeader).ShouldBeFalse();
        (await CountAccountsAsync()).ShouldBe(1);
        await ShouldHaveOneWelcomeEmailAsync("replay@example.com");
    }

    [Fact]
    public async Task a_kept_answer_holds_no_token_in_clear()
    {
        var pair = (await (await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, Register("sealed@example.com"), Guid.NewGuid().ToString(), 201))
            .ReadAsJsonAsync<TokenPair>())!;

        await using var redis = await ConnectionMultiplexer.ConnectAsync(ModularApp.RedisTestConfiguration());
        var server = redis.GetServers().Single();
        var records = server.Keys(redis.GetDatabase().Database, "gateway:idem:*").ToArray();
        var record = records.ShouldHaveSingleItem();
        var kept = string.Join("\n", (await redis.GetDatabase().HashGetAllAsync(record)).Select(e => $"{e.Name}={e.Value}"));
        kept.ShouldContain("answer=");
        kept.ShouldNotContain(pair.RefreshToken);
        kept.ShouldNotContain(pair.AccessToken.Split('.')[1]);
        kept.ShouldNotContain("sealed@example.com");
    }

    [Fact]
    public async Task the_same_key_with_another_body_is_422_and_changes_nothing()
    {
        var key = Guid.NewGuid().ToString();
        await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, Register("reused@example.com"), key, 201);

        var other = await SendAsync(OtherGateway, HttpMethod.Post, RegisterUrl, Register("bob@example.com"), key, 422);

        other.ShouldBeProblem(422);
        (await CountAccountsAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task keys_are_scoped_per_user()
    {
        var ann = await App.RegisterAsync("ann@example.com");
        var bob = await App.RegisterAsync("bob@example.com");
        var key = Guid.NewGuid().ToString();

        var annRenamed = await SendAsync(Gateway, HttpMethod.Patch, "/api/v1/users/me", """{"name":"Ann Smith"}""", key, 200, ann.AccessToken);
        // Another user's request with the same key is not "another body": it is another key.
        var bobRenamed = await SendAsync(Gateway, HttpMethod.Patch, "/api/v1/users/me", """{"name":"Bob Jones"}""", key, 200, bob.AccessToken);
        var annAgain = await SendAsync(OtherGateway, HttpMethod.Patch, "/api/v1/users/me", """{"name":"Ann Smith"}""", key, 200, ann.AccessToken);

        (await annRenamed.ReadAsJsonAsync<UserDetails>())!.Name.ShouldBe("Ann Smith");
        (await bobRenamed.ReadAsJsonAsync<UserDetails>())!.Name.ShouldBe("Bob Jones");
        bobRenamed.Context.Response.Headers.ContainsKey(IdempotencyKeys.ReplayedHeader).ShouldBeFalse();
        annAgain.ReadAsText().ShouldBe(annRenamed.ReadAsText());
        annAgain.Context.Response.Headers[IdempotencyKeys.ReplayedHeader].ToString().ShouldBe("true");
    }

    [Fact]
    public async Task a_repetition_while_the_first_still_runs_is_409_and_the_key_works_once_the_first_let_go()
    {
        var key = Guid.NewGuid().ToString();
        var body = Register("running@example.com");
        var record = IdempotencyKeys.RecordKey(null, key);
        var fingerprint = IdempotencyKeys.Fingerprint("POST", RegisterUrl, System.Text.Encoding.UTF8.GetBytes(body));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ModularApp.RedisTestConfiguration());
        // The first request's claim, as a gateway holds it while it waits for Users.
        await redis.GetDatabase().HashSetAsync(record, [new("fp", fingerprint), new("owner", "first"),
            new("until", DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds())]);

        var running = await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, body, key, 409);

        running.ShouldBeProblem(409);
        running.Context.Response.Headers.RetryAfter.ToString().ShouldBe("1");
        (await CountAccountsAsync()).ShouldBe(0);

        // The first let go of it without an answer to keep (a 5xx): the next attempt runs.
        await redis.GetDatabase().HashDeleteAsync(record, ["owner", "until"]);
        await SendAsync(OtherGateway, HttpMethod.Post, RegisterUrl, body, key, 201);
        (await CountAccountsAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task after_a_504_the_retry_with_its_key_gets_the_account_Users_made_for_the_first_attempt()
    {
        // The first attempt: the gateway sent RegisterUser with the key's Users form, gave up waiting (504) and released
        // its claim, keeping only the body's fingerprint; Users committed anyway.
        var key = Guid.NewGuid().ToString();
        var body = Register("timedout@example.com");
        var record = IdempotencyKeys.RecordKey(null, key);
        var fingerprint = IdempotencyKeys.Fingerprint("POST", RegisterUrl, System.Text.Encoding.UTF8.GetBytes(body));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ModularApp.RedisTestConfiguration());
        await redis.GetDatabase().HashSetAsync(record, "fp", fingerprint);
        using var scope = Gateway.Services.CreateScope();
        var made = await scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync<UserResult>(
            new RegisterUser("timedout@example.com", Api.Password, "Ann", IdempotencyKey: IdempotencyKeys.ForUsers(record, fingerprint)));
        await App.Mail.WaitForAsync("timedout@example.com");

        var retry = await SendAsync(OtherGateway, HttpMethod.Post, RegisterUrl, body, key, 201);

        var pair = (await retry.ReadAsJsonAsync<TokenPair>())!;
        pair.User.Id.ShouldBe(made.User!.Id);
        pair.User.Email.ShouldBe("timedout@example.com");
        // The retry opens a session of the account: its tokens work.
        await Gateway.GetAsync("/api/v1/auth/me", 200, pair.AccessToken);
        (await CountAccountsAsync()).ShouldBe(1);
        await ShouldHaveOneWelcomeEmailAsync("timedout@example.com");
        // And now the answer is kept: a third attempt is a replay.
        (await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, body, key, 201)).ReadAsText().ShouldBe(retry.ReadAsText());
    }

    [Fact]
    public async Task without_a_key_a_repeated_register_is_409_as_before()
    {
        var body = Register("nokey@example.com");
        await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, body, key: null, 201);

        (await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, body, key: null, 409)).ShouldBeProblem(409);
    }

    [Fact]
    public async Task a_client_error_is_kept_too_and_replayed()
    {
        await App.RegisterAsync("taken@example.com");
        var key = Guid.NewGuid().ToString();
        var body = Register("taken@example.com");

        var taken = await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, body, key, 409);
        var again = await SendAsync(OtherGateway, HttpMethod.Post, RegisterUrl, body, key, 409);

        again.ReadAsText().ShouldBe(taken.ReadAsText());
        again.Context.Response.Headers[IdempotencyKeys.ReplayedHeader].ToString().ShouldBe("true");
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"unbalanced \" quote\"")]
    [InlineData("ключ")]
    public async Task a_malformed_key_is_400_naming_the_header(string key)
    {
        var result = await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, Register("malformed@example.com"), key, 400);

        result.ShouldBeProblem(400).GetProperty("errors").TryGetProperty(IdempotencyKeys.Header, out _).ShouldBeTrue();
        (await CountAccountsAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task a_key_over_255_characters_is_400()
    {
        (await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, Register("longkey@example.com"), new string('k', 256), 400)).ShouldBeProblem(400);
        await SendAsync(Gateway, HttpMethod.Post, RegisterUrl, Register("longkey@example.com"), new string('k', 255), 201);
    }

    [Fact]
    public async Task the_openapi_document_names_the_header_on_state_changing_routes_only()
    {
        var paths = JsonDocument.Parse((await Gateway.GetAsync("/api/docs/openapi.json", 200)).ReadAsText()).RootElement.GetProperty("paths");

        HeaderNames(paths, "/api/v1/auth/register", "post").ShouldContain(IdempotencyKeys.Header);
        HeaderNames(paths, "/api/v1/users/me", "patch").ShouldContain(IdempotencyKeys.Header);
        HeaderNames(paths, "/api/v1/users/me", "delete").ShouldContain(IdempotencyKeys.Header);
        HeaderNames(paths, "/api/v1/auth/me", "get").ShouldNotContain(IdempotencyKeys.Header);
    }

    private static string[] HeaderNames(JsonElement paths, string path, string method) =>
        paths.GetProperty(path).GetProperty(method).TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()!).ToArray()
            : [];

    private static string Register(string email) => JsonSerializer.Serialize(new { email, password = Api.Password, name = "Ann" });

    /// <summary>Sends exactly <paramref name="body"/>'s bytes (the fingerprint is of them), with the key when there is one.</summary>
    private static async Task<IScenarioResult> SendAsync(IAlbaHost gateway, HttpMethod method, string url, string body, string? key,
        int expectedStatus, string? accessToken = null) =>
        await gateway.Scenario(s =>
        {
            switch (method.Method)
            {
                case "PATCH": s.Patch.Text(body).ToUrl(url); break;
                case "DELETE": s.Delete.Text(body).ToUrl(url); break;
                default: s.Post.Text(body).ToUrl(url); break;
            }
            s.WithRequestHeader("Content-Type", "application/json");
            if (key is not null) s.WithRequestHeader(IdempotencyKeys.Header, key);
            if (accessToken is not null) s.WithRequestHeader("Authorization", $"Bearer {accessToken}");
            s.StatusCodeShouldBe(expectedStatus);
        });

    private async Task<long> CountAccountsAsync()
    {
        await using var connection = await TestDatabase.OpenAsync(App.DatabaseUrl);
        await using var count = new NpgsqlCommand("select count(*) from users.mt_doc_user", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// One welcome e-mail, and no second one on its way: a reset e-mail asked for afterwards is an event of the same account,
    /// after any duplicate welcome in its order (one partition per account in split mode), so once it is here so would that be.
    /// </summary>
    private async Task ShouldHaveOneWelcomeEmailAsync(string email)
    {
        await App.Mail.WaitForAsync(email);
        await Gateway.PostJsonAsync("/api/v1/auth/forgot-password", new { email }, 202);
        await App.Mail.WaitUntilAsync(mails => mails.Any(m => m.Subject.Contains("Reset")));
        App.Mail.To(email).Count(m => m.Subject.Contains("Welcome")).ShouldBe(1);
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class IdempotencyInSingleProcess(SingleProcessApp app) : IdempotencyScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class IdempotencyInSplitMode(SplitApp app) : IdempotencyScenarios(app);
