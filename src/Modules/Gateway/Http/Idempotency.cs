using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Messaging;
using Modular.Gateway.Tokens;
using StackExchange.Redis;

namespace Modular.Gateway.Http;

/// <summary>
/// The pure rules of the <c>Idempotency-Key</c> header (draft-ietf-httpapi-idempotency-key-header, docs/adr/0018):
/// which keys are valid, what makes two requests "the same", where a key's record lives and which answers are kept.
/// </summary>
internal static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxLength = 255;

    /// <summary>How long an answer is replayed, and a key's request body remembered.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>Endpoint metadata: the endpoint accepts the header (every state-changing route, <see cref="AcceptIdempotencyKeys"/>).</summary>
    internal sealed class Accepted
    {
        public static readonly Accepted Instance = new();
    }

    /// <summary>
    /// Marks every POST, PUT, PATCH and DELETE endpoint of <paramref name="group"/> (those mapped now and later), so a new
    /// state-changing route accepts the header without anyone remembering to add it.
    /// </summary>
    public static RouteGroupBuilder AcceptIdempotencyKeys(this RouteGroupBuilder group)
    {
        ((IEndpointConventionBuilder)group).Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<HttpMethodMetadata>().SelectMany(m => m.HttpMethods).Any(IsStateChanging))
                endpoint.Metadata.Add(Accepted.Instance);
        });
        return group;
    }

    /// <summary>Names the optional header in the OpenAPI document of every endpoint that accepts it.</summary>
    public static Task DocumentHeader(Microsoft.OpenApi.OpenApiOperation operation,
        Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Accepted>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new Microsoft.OpenApi.OpenApiParameter
            {
                Name = Header,
                In = Microsoft.OpenApi.ParameterLocation.Header,
                Required = false,
                Description = "A key of your choice (a random UUID) that makes a retry safe: the same key and body get the first " +
                    "answer again for 24 h (with the header Idempotent-Replayed: true); another body 422; while the first still runs 409.",
                Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, MinLength = 1, MaxLength = MaxLength },
            });
        }
        return Task.CompletedTask;
    }

    public static bool IsStateChanging(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    /// <summary>
    /// The key of a header value, or null with <paramref name="problem"/> saying why not. The draft's form is a structured-field
    /// string (<c>"8e03978e-…"</c>, quoted); the bare token most clients send is accepted too. 1 to 255 printable ASCII
    /// characters: the key is the client's to choose (a random UUID), and it must not carry anything into a log or a key.
    /// </summary>
    public static string? Parse(string? header, out string problem)
    {
        problem = "";
        var value = (header ?? "").Trim();
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            var unquoted = new StringBuilder(value.Length);
            for (var i = 1; i < value.Length - 1; i++)
            {
                var c = value[i];
                if (c == '\\' && i + 1 < value.Length - 1 && value[i + 1] is '"' or '\\') c = value[++i];
                else if (c is '"' or '\\') return Invalid(out problem, "A quoted key must escape its quotes and backslashes.");
                unquoted.Append(c);
            }
            value = unquoted.ToString();
        }
        if (value.Length == 0) return Invalid(out problem, "The key must not be empty.");
        if (value.Length > MaxLength) return Invalid(out problem, $"The key must be at most {MaxLength} characters.");
        if (value.Any(c => c is < ' ' or > '~')) return Invalid(out problem, "The key must be printable ASCII (a random UUID, for instance).");
        return value;
    }

    private static string? Invalid(out string problem, string message)
    {
        problem = message;
        return null;
    }

    /// <summary>What makes a repetition "the same request": method, path with query, and the body's exact bytes.</summary>
    public static string Fingerprint(string method, string pathAndQuery, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // The path's length keeps path and body apart (a decoded path may hold any character, a newline too).
        hash.AppendData(Encoding.UTF8.GetBytes($"{method.ToUpperInvariant()}\n{pathAndQuery.Length}:{pathAndQuery}\n"));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The Redis key of a key's record: per user when signed in, otherwise shared by all anonymous clients (who send random
    /// UUIDs). The client's key is hashed, so whatever it holds never becomes part of a Redis key name.
    /// </summary>
    public static string RecordKey(Guid? userId, string key) =>
        $"gateway:idem:{userId?.ToString() ?? "anon"}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))}";

    /// <summary>
    /// The key Users remembers its answer under (<c>IdempotencyKey</c> of its requests): the record and the fingerprint, so
    /// even a record lost from Redis cannot make Users answer one body with the result of another.
    /// </summary>
    public static string ForUsers(string recordKey, string fingerprint) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{recordKey}\n{fingerprint}")));

    /// <summary>
    /// Answers that are final and replayed: 2xx and 4xx. A 5xx (504 from a Users that did not answer in time, 503 with Redis or
    /// PostgreSQL away) and a 408 or 429 say "try again", so they are not kept and a retry runs the request again.
    /// </summary>
    public static bool IsFinal(int status) => status < 500 && status is not (StatusCodes.Status408RequestTimeout or StatusCodes.Status429TooManyRequests);
}

/// <summary>The key of this request as Users remembers its answer (<see cref="IdempotencyKeys.ForUsers"/>), for the endpoints that ask Users.</summary>
internal sealed record IdempotencyFeature(string ForUsers);

internal static class IdempotencyFeatureExtensions
{
    /// <summary>The <c>IdempotencyKey</c> of the Users request this HTTP request makes: null without the header.</summary>
    public static string? IdempotencyKeyForUsers(this HttpContext context) => context.Features.Get<IdempotencyFeature>()?.ForUsers;
}

/// <summary>
/// Safe retries for the endpoints marked <see cref="IdempotencyKeys.Accepted"/> (docs/adr/0018). With an <c>Idempotency-Key</c>,
/// the first request claims the key in Redis (so every replica agrees) and runs; its final answer is kept 24 h, encrypted,
/// and replayed to every repetition with the same body. Another body with the key is 422; a repetition while the first
/// still runs is 409. An answer that is not final (5xx) releases the claim, so a retry runs again, and Users, which
/// remembers the change it made under the key, answers that retry with the first outcome. Without the header nothing changes.
/// </summary>
internal sealed class IdempotentRequests(IConnectionMultiplexer redis, HostRole role, TimeProvider clock, ILogger<IdempotentRequests> logger)
    : IMiddleware
{
    // KEYS: 1 record. ARGV: 1 fingerprint, 2 owner, 3 now ms, 4 lease end ms, 5 retention ms.
    // Returns {0} claimed, {1} another request holds it, {2} another body, {3, sealed answer} done.
    private const string ClaimScript = """
        local fp = redis.call('HGET', KEYS[1], 'fp')
        if not fp then
          redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'owner', ARGV[2], 'until', ARGV[4])
          redis.call('PEXPIRE', KEYS[1], ARGV[5])
          return {0}
        end
        if fp ~= ARGV[1] then return {2} end
        local answer = redis.call('HGET', KEYS[1], 'answer')
        if answer then return {3, answer} end
        if tonumber(redis.call('HGET', KEYS[1], 'until') or '0') > tonumber(ARGV[3]) then return {1} end
        redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'until', ARGV[4])
        return {0}
        """;

    // KEYS: 1 record. ARGV: 1 owner, 2 sealed answer, 3 retention ms. Keeps the answer only while the claim is still ours.
    private const string KeepScript = """
        if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'answer', ARGV[2])
        redis.call('HDEL', KEYS[1], 'owner', 'until')
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return 1
        """;

    // KEYS: 1 record. ARGV: 1 owner. The fingerprint stays: a retry with another body is still 422.
    private const string ReleaseScript = """
        if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
        redis.call('HDEL', KEYS[1], 'owner', 'until')
        return 1
        """;

    /// <summary>
    /// How long a claim holds when its gateway dies mid-request: longer than any request runs (the wait for Users'
    /// reply, <c>REQUEST_TIMEOUT</c>, plus the password-hash queue and Redis round trips), short enough that a client is
    /// not kept waiting long after a crash.
    /// </summary>
    private readonly TimeSpan _lease = role.RequestTimeout + TimeSpan.FromSeconds(30);

    private readonly RedisValue _retention = (long)IdempotencyKeys.Retention.TotalMilliseconds;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var headers = context.Request.Headers[IdempotencyKeys.Header];
        if (headers.Count == 0 || context.GetEndpoint()?.Metadata.GetMetadata<IdempotencyKeys.Accepted>() is null)
        {
            await next(context);
            return;
        }

        if (headers.Count > 1)
        {
            await Problems.Invalid(IdempotencyKeys.Header, "Send one key.").ExecuteAsync(context);
            return;
        }
        if (IdempotencyKeys.Parse(headers[0], out var invalid) is not { } key)
        {
            await Problems.Invalid(IdempotencyKeys.Header, invalid).ExecuteAsync(context);
            return;
        }

        var body = await ReadBodyAsync(context.Request);
        var fingerprint = IdempotencyKeys.Fingerprint(context.Request.Method, context.Request.Path + context.Request.QueryString, body);
        var record = IdempotencyKeys.RecordKey(SessionClaims.From(context.User)?.UserId, key);
        var owner = Guid.NewGuid().ToString("N");

        var claim = await ClaimAsync(record, fingerprint, owner);
        switch ((long)claim[0])
        {
            case 1:
                context.Response.Headers.RetryAfter = "1";
                await Problems.Conflict("Request in progress",
                    "A request with this Idempotency-Key is still running; retry it with the same key to get its answer.").ExecuteAsync(context);
                return;
            case 2:
                await TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused",
                    detail: "This Idempotency-Key was sent with another request; use a new key for a new request.").ExecuteAsync(context);
                return;
            case 3:
                if (await OpenAsync(record, (byte[])claim[1]!) is { } answer)
                {
                    await ReplayAsync(context, answer);
                    return;
                }
                // Sealed under a key that is no longer configured: forget it and run the request, as for a new key.
                await redis.GetDatabase().KeyDeleteAsync(record);
                if ((long)(await ClaimAsync(record, fingerprint, owner))[0] != 0)
                {
                    await Problems.Conflict("Request in progress", "Retry with the same key.").ExecuteAsync(context);
                    return;
                }
                break;
        }

        await RunAsync(context, next, record, fingerprint, owner);
    }

    private async Task<RedisResult[]> ClaimAsync(string record, string fingerprint, string owner)
    {
        var now = clock.GetUtcNow();
        return (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(ClaimScript, [record],
            [fingerprint, owner, now.ToUnixTimeMilliseconds(), (now + _lease).ToUnixTimeMilliseconds(), _retention]))!;
    }

    private async Task RunAsync(HttpContext context, RequestDelegate next, string record, string fingerprint, string owner)
    {
        context.Features.Set(new IdempotencyFeature(IdempotencyKeys.ForUsers(record, fingerprint)));
        var response = context.Response;
        var client = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await next(context);
        }
        catch
        {
            // The exception handler writes its problem (a 504, a 503) to the client; the claim goes, so a retry runs again.
            response.Body = client;
            await ReleaseAsync(record, owner);
            throw;
        }
        response.Body = client;

        if (IdempotencyKeys.IsFinal(response.StatusCode))
            await KeepAsync(record, owner, new StoredAnswer(response.StatusCode, response.ContentType, response.Headers.Location.ToString() is { Length: > 0 } l ? l : null,
                buffer.ToArray()));
        else
            await ReleaseAsync(record, owner);

        buffer.Position = 0;
        await buffer.CopyToAsync(client, context.RequestAborted);
    }

    private async Task KeepAsync(string record, string owner, StoredAnswer answer)
    {
        try
        {
            var sealedAnswer = await MessageEncryption.SealAsync(role.MessageKeys, JsonSerializer.SerializeToUtf8Bytes(answer), Encoding.UTF8.GetBytes(record));
            await redis.GetDatabase().ScriptEvaluateAsync(KeepScript, [record], [owner, sealedAnswer, _retention]);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // The change is made and its answer goes to the client; a retry runs again and Users answers it from what it
            // remembered. Failing the request now would tell the client that a change it made did not happen.
            logger.LogWarning(e, "Could not keep the answer of an idempotent request; a retry runs it again");
        }
    }

    private async Task ReleaseAsync(string record, string owner)
    {
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [record], [owner]);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // The lease ends the claim instead; until then a retry is 409.
            logger.LogWarning(e, "Could not release an idempotency claim; it ends with its lease");
        }
    }

    private async Task<StoredAnswer?> OpenAsync(string record, byte[] sealedAnswer)
    {
        try
        {
            return JsonSerializer.Deserialize<StoredAnswer>(await MessageEncryption.OpenAsync(role.MessageKeys, sealedAnswer, Encoding.UTF8.GetBytes(record)));
        }
        catch (Exception e) when (e is CryptographicException or JsonException or Wolverine.Runtime.Serialization.Encryption.EncryptionKeyNotFoundException)
        {
            logger.LogWarning("A kept idempotent answer could not be read ({Reason}); running the request again", e.GetType().Name);
            return null;
        }
    }

    private static async Task ReplayAsync(HttpContext context, StoredAnswer answer)
    {
        var response = context.Response;
        response.StatusCode = answer.Status;
        if (answer.ContentType is { } contentType) response.ContentType = contentType;
        if (answer.Location is { } location) response.Headers.Location = location;
        response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
        response.ContentLength = answer.Body.Length;
        await response.Body.WriteAsync(answer.Body, context.RequestAborted);
    }

    /// <summary>The body, read once for the fingerprint and left to be read again by the endpoint (at most 64 KB, <see cref="GatewayPipeline"/>).</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy, request.HttpContext.RequestAborted);
        request.Body.Position = 0;
        return copy.ToArray();
    }

    /// <summary>What is replayed: the status, the headers a client acts on, the body. Kept sealed (<see cref="MessageEncryption.SealAsync"/>): bodies hold tokens.</summary>
    internal sealed record StoredAnswer(int Status, string? ContentType, string? Location, byte[] Body);
}
