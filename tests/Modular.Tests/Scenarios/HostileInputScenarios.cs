using System.Security.Claims;
using System.Text;
using Alba;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

/// <summary>
/// A corpus of hostile requests (security issue, tests): forged tokens of every kind, malformed and oversized
/// bodies, wrong media types, look-alike addresses, header injection. Every answer is a 4xx problem, never a 500
/// (an unhandled exception is a 500), a forged token never reaches an account, and the gateway logs no exception
/// that nothing handled.
/// </summary>
public abstract class HostileInputScenarios(ModularApp app) : Infrastructure.Scenarios(app), IAsyncLifetime
{
    private readonly int _exceptionsBefore = app.RequestExceptions.Count;

    async Task IAsyncLifetime.InitializeAsync() => await InitializeAsync();

    /// <summary>After each request of the corpus: nothing was logged as an exception by the pipeline.</summary>
    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        App.RequestExceptions.Since(_exceptionsBefore).ShouldBeEmpty();
    }

    private const string Me = "/api/v1/auth/me";
    private const string Attacker = "the-attackers-own-secret-of-32-bytes-or-more";

    /// <summary>Forged or misused tokens on <c>GET /auth/me</c>: each is 401.</summary>
    public static TheoryData<string> ForgedTokens => new()
    {
        "alg none", "alg none without a dot", "HS512 with the access key", "HS384 with the access key", "typ JWT", "no typ",
        "the refresh typ", "a refresh token", "signed with the refresh key", "signed with another key", "expired",
        "not yet valid", "another issuer", "another audience", "no expiry", "a kid header", "a jku header", "a jwk header",
        "a tampered payload", "a truncated signature", "empty", "three dots", "not base64", "a huge token",
    };

    [Theory]
    [MemberData(nameof(ForgedTokens))]
    public async Task a_forged_or_misused_token_is_401_problem(string kind)
    {
        var session = await App.RegisterAsync($"forged-{Guid.NewGuid():N}@example.com");

        var token = Forge(kind, session);

        (await Gateway.GetAsync(Me, 401, token)).ShouldBeProblem(401);
    }

    [Fact]
    public async Task a_token_in_the_query_string_is_not_read()
    {
        var session = await App.RegisterAsync("query@example.com");

        (await Gateway.GetAsync($"{Me}?access_token={session.AccessToken}", 401)).ShouldBeProblem(401);
    }

    /// <summary>Bodies and headers no client should send: each is a 4xx problem.</summary>
    public static TheoryData<string, string, string?, int> HostileBodies => new()
    {
        { "/api/v1/auth/login", "{", "application/json", 400 },
        { "/api/v1/auth/login", "{\"email\":\"a@b.c\",\"password\":", "application/json", 400 },
        { "/api/v1/auth/login", "", "application/json", 400 },
        { "/api/v1/auth/login", "\"just a string\"", "application/json", 400 },
        { "/api/v1/auth/login", "{\"email\":1e999,\"password\":\"x\"}", "application/json", 400 },
        { "/api/v1/auth/login", "{\"email\":\"a@b.c\",\"password\":\"x\",\"email\":\"b@c.d\"}", "application/json", 401 },
        { "/api/v1/auth/login", new string('[', 10_000), "application/json", 400 },
        { "/api/v1/auth/login", "<login><email>a@b.c</email></login>", "application/xml", 415 },
        { "/api/v1/auth/login", "email=a@b.c", "text/plain", 415 },
        { "/api/v1/auth/login", "{\"email\":\"a@b.c\",\"password\":\"x\"}", null, 415 },
        { "/api/v1/auth/register", "{\"email\":\"pаypal@example.com\",\"password\":\"a long password\"}", "application/json", 400 },
        { "/api/v1/auth/register", "{\"email\":\"admin@exаmple.com\",\"password\":\"a long password\"}", "application/json", 400 },
        { "/api/v1/auth/register", "{\"email\":\"\\\"a b\\\"@example.com\",\"password\":\"a long password\"}", "application/json", 400 },
        { "/api/v1/auth/register", "{\"email\":\"Admin <admin@example.com>\",\"password\":\"a long password\"}", "application/json", 400 },
        { "/api/v1/auth/register", $"{{\"email\":\"{new string('a', 300)}@example.com\",\"password\":\"a long password\"}}", "application/json", 400 },
        { "/api/v1/auth/register", $"{{\"email\":\"long@example.com\",\"password\":\"{new string('p', 200)}\"}}", "application/json", 400 },
        { "/api/v1/auth/refresh", "{\"refreshToken\":\"\\u0000\"}", "application/json", 401 },
        { "/api/v1/auth/reset-password", "{\"token\":\"\\u0000\\r\\n\",\"newPassword\":\"a long password\"}", "application/json", 400 },
        { "/api/v1/auth/forgot-password", "{\"email\":\"victim@example.com\\r\\nBcc: everyone@example.com\"}", "application/json", 400 },
    };

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task a_hostile_body_is_a_4xx_problem(string url, string body, string? contentType, int status)
    {
        var result = await Gateway.Scenario(s =>
        {
            s.Post.ByteArray(Encoding.UTF8.GetBytes(body)).ToUrl(url);
            if (contentType is not null) s.WithRequestHeader("Content-Type", contentType);
            else s.ConfigureHttpContext(c => c.Request.ContentType = null);
            s.StatusCodeShouldBe(status);
        });
        result.ShouldBeProblem(status);
    }

    [Theory]
    [InlineData("Authorization", "Bearer x\r\nX-Injected: 1")]
    [InlineData("Authorization", "Basic YWRtaW46YWRtaW4=")]
    [InlineData("Authorization", "Bearer")]
    [InlineData("X-Correlation-Id", "00000000000000000000000000000000\r\nSet-Cookie: a=b")]
    public async Task hostile_headers_are_refused_or_ignored_never_echoed(string header, string value)
    {
        var result = await Gateway.Scenario(s =>
        {
            s.Get.Url(Me);
            s.WithRequestHeader(header, value);
            s.StatusCodeShouldBe(401);
        });
        result.ShouldBeProblem(401);
        result.Context.Response.Headers.ContainsKey("X-Injected").ShouldBeFalse();
        result.Context.Response.Headers.ContainsKey("Set-Cookie").ShouldBeFalse();
    }

    /// <summary><paramref name="token"/>'s payload under a header of <paramref name="algorithm"/>, signed with the access key by <paramref name="sign"/>.</summary>
    private static string Resign(string token, string algorithm, Func<byte[], byte[], byte[]> sign, string extraHeader = "")
    {
        var header = Tokens.Base64Url($$"""{"alg":"{{algorithm}}","typ":"at+jwt"{{extraHeader}}}""");
        var signingInput = $"{header}.{token.Split('.')[1]}";
        var signature = Convert.ToBase64String(sign(Encoding.UTF8.GetBytes(TestEnvironment.AccessSecret), Encoding.ASCII.GetBytes(signingInput)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{signingInput}.{signature}";
    }

    private static string Forge(string kind, Modular.Gateway.Tokens.TokenPair session)
    {
        var now = DateTime.UtcNow;
        var claims = new JsonWebToken(session.AccessToken).Claims.Where(c => c.Type is not ("exp" or "iat" or "nbf" or "iss" or "aud")).ToArray();
        string Make(string secret = TestEnvironment.AccessSecret, string algorithm = SecurityAlgorithms.HmacSha256, string? type = "at+jwt",
            DateTime? issuedAt = null, DateTime? expires = null, string issuer = "modular-gateway", string audience = "modular-api",
            Dictionary<string, object>? header = null, bool noExpiry = false)
        {
            var descriptor = new SecurityTokenDescriptor
            {
                Issuer = issuer,
                Audience = audience,
                IssuedAt = issuedAt ?? now,
                NotBefore = issuedAt ?? now,
                Expires = noExpiry ? null : expires ?? now.AddMinutes(10),
                TokenType = type,
                Subject = new ClaimsIdentity(claims),
                AdditionalHeaderClaims = header,
                SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), algorithm),
            };
            return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
        }

        var good = session.AccessToken;
        return kind switch
        {
            "alg none" => Tokens.Unsigned(good),
            "alg none without a dot" => Tokens.Unsigned(good).TrimEnd('.'),
            // The gateway's own key and payload under another algorithm: only HS256 is accepted.
            "HS512 with the access key" => Resign(good, "HS512", System.Security.Cryptography.HMACSHA512.HashData),
            "HS384 with the access key" => Resign(good, "HS384", System.Security.Cryptography.HMACSHA384.HashData),
            "typ JWT" => Make(type: "JWT"),
            "no typ" => Make(type: null),
            "the refresh typ" => Make(type: "rt+jwt"),
            "a refresh token" => session.RefreshToken,
            "signed with the refresh key" => Make(secret: TestEnvironment.RefreshSecret),
            "signed with another key" => Make(secret: Attacker),
            "expired" => Make(issuedAt: now.AddHours(-2), expires: now.AddHours(-1)),
            "not yet valid" => Make(issuedAt: now.AddHours(1), expires: now.AddHours(2)),
            "another issuer" => Make(issuer: "evil-issuer"),
            "another audience" => Make(audience: "another-api"),
            "no expiry" => Make(noExpiry: true),
            // Signed with the attacker's key, with a header that names where to find it: the gateway's key is fixed.
            "a kid header" => Resign(Make(secret: Attacker), "HS256", (_, data) => System.Security.Cryptography.HMACSHA256.HashData(
                Encoding.UTF8.GetBytes(Attacker), data), """, "kid":"../../../../dev/null" """),
            "a jku header" => Make(secret: Attacker, header: new() { ["jku"] = "https://attacker.example/keys.json" }),
            "a jwk header" => Make(secret: Attacker, header: new() { ["jwk"] = new Dictionary<string, object> { ["kty"] = "oct", ["k"] = Tokens.Base64Url(Attacker) } }),
            "a tampered payload" => Tokens.Tamper(good, p => p.Replace("\"role\":\"user\"", "\"role\":\"admin\"")),
            "a truncated signature" => good[..^4],
            "empty" => "",
            "three dots" => "...",
            "not base64" => "!!!.???.***",
            "a huge token" => good + new string('A', 16_000),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class HostileInputInSingleProcess(SingleProcessApp app) : HostileInputScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class HostileInputInSplitMode(SplitApp app) : HostileInputScenarios(app);
