using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Prometheus;
using StackExchange.Redis;

namespace Modular.Gateway.Users;

/// <summary>
/// The gateway's read model of users (docs/adr/0009): each account's <c>user</c> body, ready to send, in
/// Redis beside the token state. <c>GET /auth/me</c> reads it in the round trip that checks the token's
/// revocation (<see cref="TokenStore.CheckAccessAsync"/>), so an authenticated read waits for no other module.
/// <code>
/// gateway:user:{id}   hash { v: version, json: the user body (absent when only the version is known) }   TTL refresh lifetime
/// </code>
/// The version is the account's <c>updatedAt</c> in microseconds, which Users only ever increases. Every
/// write compares it, in Redis, so an older copy never replaces a newer one, whichever arrives last:
/// answers of Users fill it (register, login, profile and password changes, a miss); Users' events
/// (<see cref="UserProfilesHandler"/>) raise the version, dropping the body, when a change did not come
/// through a gateway's own answer; a deleted account keeps a version no copy can pass.
/// Being in Redis, it is one read model for every gateway replica, survives their restarts, and a
/// replica that was away misses nothing: Users' events are read by the gateway's consumer group.
/// </summary>
public sealed class UserProfiles
{
    private const double DeletedVersion = 9e15; // above any version until the year 2255, below 2^53

    private const string StoreScript = """
        local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
        if tonumber(ARGV[1]) < v then return 0 end
        redis.call('HSET', KEYS[1], 'v', ARGV[1], 'json', ARGV[2])
        redis.call('EXPIRE', KEYS[1], ARGV[3])
        return 1
        """;

    private const string RaiseVersionScript = """
        local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
        if tonumber(ARGV[1]) <= v then return 0 end
        redis.call('HSET', KEYS[1], 'v', ARGV[1])
        redis.call('HDEL', KEYS[1], 'json')
        redis.call('EXPIRE', KEYS[1], ARGV[2])
        return 1
        """;

    private static readonly Counter Reads = Metrics.CreateCounter(
        "modular_gateway_user_reads_total", "Reads of a user body by the gateway, by where it came from (read model hit, or a request to Users).",
        new CounterConfiguration { LabelNames = ["source"] });

    private readonly IConnectionMultiplexer _redis;
    private readonly JsonSerializerOptions _json;
    private readonly TokenStore _tokens;
    private readonly JwtSettings _settings;

    internal UserProfiles(IConnectionMultiplexer redis, IOptions<JsonOptions> json, TokenStore tokens, JwtSettings settings)
    {
        _redis = redis;
        _json = json.Value.SerializerOptions;
        _tokens = tokens;
        _settings = settings;
    }

    internal static RedisKey Key(Guid userId) => $"gateway:user:{userId}";

    /// <summary>
    /// The body of <paramref name="userId"/>: the one the revocation check brought along, or else asked of
    /// Users once and kept. Null when the account does not exist.
    /// </summary>
    internal async Task<string?> ReadAsync(HttpContext context, Guid userId, CancellationToken ct)
    {
        if (context.Features.Get<CachedProfile>() is { Json: { } cached })
        {
            Reads.WithLabels("read_model").Inc();
            return cached;
        }

        Reads.WithLabels("users").Inc();
        // Resolved only on a miss: a message bus per request is a cost the hit does not need.
        var bus = context.RequestServices.GetRequiredService<Wolverine.IMessageBus>();
        var result = await bus.InvokeAsync<UserResult>(new GetUser(userId), ct);
        return result.User is { } user ? await StoreAsync(user) : null;
    }

    /// <summary>Keeps <paramref name="user"/>, as Users just answered it, unless a newer copy is kept already.</summary>
    internal async Task<string> StoreAsync(UserDetails user)
    {
        var json = JsonSerializer.Serialize(User.From(user), _json);
        await _redis.GetDatabase().ScriptEvaluateAsync(StoreScript, [Key(user.Id)],
            [VersionOf(user.UpdatedAt), json, TokenStore.Seconds(_settings.RefreshLifetime)]);
        return json;
    }

    /// <summary>The account changed at <paramref name="updatedAt"/>: any copy older than that is dropped.</summary>
    public async Task ChangedAsync(Guid userId, DateTimeOffset updatedAt) =>
        await _redis.GetDatabase().ScriptEvaluateAsync(RaiseVersionScript, [Key(userId)],
            [VersionOf(updatedAt), TokenStore.Seconds(_settings.RefreshLifetime)]);

    /// <summary>The account is gone: its copy can never come back, and its sessions end.</summary>
    public async Task DeletedAsync(Guid userId)
    {
        await _redis.GetDatabase().ScriptEvaluateAsync(RaiseVersionScript, [Key(userId)],
            [DeletedVersion, TokenStore.Seconds(_settings.RefreshLifetime)]);
        await _tokens.RevokeUserSessionsAsync(userId, keepFamily: null, _settings.RefreshLifetime);
    }

    /// <summary>200 with a body as <see cref="ReadAsync"/> returns it: already JSON, written as it is.</summary>
    internal static IResult Ok(string json) => TypedResults.Text(json, "application/json; charset=utf-8");

    /// <summary>Microseconds since 1970: exact in a Lua number (a double) for the next two centuries.</summary>
    internal static long VersionOf(DateTimeOffset updatedAt) => (updatedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>The body the revocation check read along with it, for the endpoints that answer with it.</summary>
    internal sealed record CachedProfile(string? Json);

    /// <summary>Endpoint metadata: this endpoint answers with the caller's body, so the revocation check reads it too.</summary>
    internal sealed class ReadsOwnProfile
    {
        public static readonly ReadsOwnProfile Instance = new();
    }
}
