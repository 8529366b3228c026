using Modular.Gateway.Users;
using Modular.Users.Contracts;
using Prometheus;
using StackExchange.Redis;

namespace Modular.Gateway.Tokens;

/// <summary>
/// The gateway's token state in Redis, shared by every gateway replica. Each operation is one Lua
/// script, so it is atomic: two concurrent refreshes with the same token cannot both win.
/// <code>
/// gateway:refresh:{jti}   live refresh token -> its session (family)     TTL refresh lifetime
/// gateway:session:{fam}   a session's live refresh token id               TTL refresh lifetime
/// gateway:revoked:{fam}   a revoked session (logout, reuse detected)      TTL refresh lifetime
/// gateway:denied:{jti}    a logged-out access token                       TTL its remaining lifetime
/// gateway:gen:{user}      the user's revocation mark: tokens issued under an older generation are revoked   no TTL: it never goes back;
///                         written at the first login, so a missing mark means a Redis that lost its data: every token is refused
/// gateway:keep:{user}     the one session exempt from the last mark (the one that changed the password)
/// gateway:info:{fam}      a session's description for its owner (created, used, expires, ua, ip, gen)   TTL refresh lifetime
/// gateway:sessions:{user} the families of the user's sessions, live or not (listing drops the dead)   TTL session maximum
/// gateway:user:{user}     the user's body, read along with the access check (see <see cref="UserProfiles"/>)
/// gateway:rate:{window}   a rate-limit window's count (see <see cref="Http.RateLimits"/>)
/// </code>
/// A generation counter rather than a timestamp: replicas' clocks and the one-second resolution of
/// <c>iat</c> cannot make a token issued just after a revocation count as issued before it. Only its start is a time
/// (Redis's clock, in ms), so that a mark written again after Redis lost its data is above every generation handed out
/// before: Redis back empty fails closed, every earlier token refused, and users sign in again (docs/adr/0022).
/// </summary>
internal sealed class TokenStore(IConnectionMultiplexer redis, SecurityEvents security)
{
    private const string Prefix = "gateway:";

    public const long Revoked = -1;
    public const long Reused = -2;

    // The user's mark, written when missing: its start is Redis's time in ms, above any generation of before a data loss.
    private const string MarkFunction = """
        local function mark_of(key)
          local gen = redis.call('GET', key)
          if gen then return tonumber(gen) end
          local now = redis.call('TIME')
          gen = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
          redis.call('SET', key, string.format('%d', gen))
          return gen
        end

        """;

    private const string OpenSessionScript = MarkFunction + """
        redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[3])
        redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3])
        local gen = mark_of(KEYS[1])
        redis.call('HSET', KEYS[4], 'created', ARGV[4], 'used', ARGV[4], 'expires', ARGV[5], 'ua', ARGV[6], 'ip', ARGV[7], 'gen', gen)
        redis.call('EXPIRE', KEYS[4], ARGV[3])
        redis.call('SADD', KEYS[5], ARGV[1])
        redis.call('EXPIRE', KEYS[5], ARGV[8])
        return gen
        """;

    private const string RotateScript = """
        if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
        local mark = redis.call('GET', KEYS[3])
        if not mark then return -1 end -- no mark: Redis lost its data (see MarkFunction), refuse
        local gen = tonumber(mark)
        if tonumber(ARGV[1]) < gen and redis.call('GET', KEYS[4]) ~= ARGV[2] then return -1 end
        if redis.call('DEL', KEYS[1]) == 0 then
          -- Signed by us and unexpired, yet no longer live: a rotated token presented again. Revoke its family.
          redis.call('SET', KEYS[2], '1', 'EX', ARGV[3])
          local live = redis.call('GET', KEYS[5])
          if live then redis.call('DEL', ARGV[5] .. 'refresh:' .. live) end
          redis.call('DEL', KEYS[5])
          return -2
        end
        redis.call('SET', KEYS[6], ARGV[2], 'EX', ARGV[3])
        redis.call('SET', KEYS[5], ARGV[4], 'EX', ARGV[3])
        redis.call('HSET', KEYS[7], 'used', ARGV[6], 'expires', ARGV[7], 'gen', gen)
        redis.call('EXPIRE', KEYS[7], ARGV[3])
        return gen
        """;

    private const string EndSessionScript = """
        if ARGV[1] ~= '' then redis.call('SET', KEYS[1], '1', 'EX', ARGV[2]) end
        redis.call('SET', KEYS[2], '1', 'EX', ARGV[3])
        local live = redis.call('GET', KEYS[3])
        if live then redis.call('DEL', ARGV[4] .. 'refresh:' .. live) end
        redis.call('DEL', KEYS[3], KEYS[5])
        redis.call('SREM', KEYS[4], ARGV[5])
        return 1
        """;

    // A session is live while its refresh token is (gateway:session), it was not revoked, and the user's mark
    // is not newer than its tokens unless it is the kept one: the same rules as RequestGate's and RotateScript's.
    // Dead ones leave the index as they are met. Returns {family, created, used, expires, ua, ip} per live session.
    private const string ListSessionsScript = """
        local mark = tonumber(redis.call('GET', KEYS[2]) or '0')
        local kept = redis.call('GET', KEYS[3])
        local out = {}
        for _, fam in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local info = redis.call('HMGET', ARGV[1] .. 'info:' .. fam, 'created', 'used', 'expires', 'ua', 'ip', 'gen')
          local live = info[1] and redis.call('EXISTS', ARGV[1] .. 'session:' .. fam) == 1
            and redis.call('EXISTS', ARGV[1] .. 'revoked:' .. fam) == 0
            and (tonumber(info[6]) >= mark or kept == fam)
          if live then
            table.insert(out, fam)
            for i = 1, 5 do table.insert(out, info[i]) end
          else
            redis.call('SREM', KEYS[1], fam)
            redis.call('DEL', ARGV[1] .. 'info:' .. fam)
          end
        end
        return out
        """;

    // The mark never expires: a mark that expired would start again on the next revocation, and a session
    // opened after the first revocation could survive the second. One small key per user who ever signed in.
    private const string RevokeUserScript = MarkFunction + """
        mark_of(KEYS[1])
        redis.call('INCR', KEYS[1])
        redis.call('PERSIST', KEYS[1])
        if ARGV[1] == '' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2]) end
        return 1
        """;

    /// <summary>
    /// Records a new session's first refresh token (valid for <paramref name="lifetime"/>) and what its owner sees of it;
    /// returns the user's current revocation generation.
    /// </summary>
    public async Task<long> OpenSessionAsync(Guid userId, string family, string refreshId, TimeSpan lifetime, TimeSpan sessionMaxLifetime,
        DateTimeOffset now, DateTimeOffset expires, RequestOrigin client) =>
        (long)await Run(OpenSessionScript,
            [Key("gen", userId), Key("refresh", refreshId), Key("session", family), Key("info", family), Key("sessions", userId)],
            [family, refreshId, Seconds(lifetime), Unix(now), Unix(expires), client.UserAgent ?? "", client.IpPrefix ?? "",
                Seconds(sessionMaxLifetime)]);

    /// <summary>The user's live sessions, in no particular order.</summary>
    public async Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(Guid userId)
    {
        var flat = (RedisResult[])(await Run(ListSessionsScript, [Key("sessions", userId), Key("gen", userId), Key("keep", userId)], [Prefix]))!;
        var sessions = new List<SessionInfo>(flat.Length / 6);
        for (var i = 0; i + 5 < flat.Length; i += 6)
            sessions.Add(new SessionInfo((string)flat[i]!, FromUnix(flat[i + 1]), FromUnix(flat[i + 2]), FromUnix(flat[i + 3]),
                NullIfEmpty(flat[i + 4]), NullIfEmpty(flat[i + 5])));
        return sessions;
    }

    /// <summary>
    /// Replaces refresh token <paramref name="refreshId"/> by <paramref name="newRefreshId"/>, atomically.
    /// Returns the user's current generation, <see cref="Revoked"/>, or <see cref="Reused"/> (the family is now revoked).
    /// </summary>
    public async Task<long> RotateAsync(SessionClaims token, string newRefreshId, TimeSpan lifetime, DateTimeOffset now, DateTimeOffset expires)
    {
        var result = (long)await Run(RotateScript,
            [
                Key("refresh", token.TokenId), Key("revoked", token.Family), Key("gen", token.UserId), Key("keep", token.UserId),
                Key("session", token.Family), Key("refresh", newRefreshId), Key("info", token.Family),
            ],
            [token.Generation, token.Family, Seconds(lifetime), newRefreshId, Prefix, Unix(now), Unix(expires)]);
        if (result == Reused) security.RefreshTokenReuse(token.UserId, token.Family);
        return result;
    }

    /// <summary>The keys that decide whether an access token of <paramref name="token"/>'s session still counts (see <see cref="Http.RequestGate"/>).</summary>
    public static RedisKey[] AccessKeys(SessionClaims token) =>
        [Key("denied", token.TokenId), Key("revoked", token.Family), Key("gen", token.UserId), Key("keep", token.UserId)];

    /// <summary>Ends a session: its refresh family is revoked and, when given, the access token denied until it expires.</summary>
    public async Task EndSessionAsync(Guid userId, string family, string? accessTokenId, TimeSpan accessRemaining, TimeSpan refreshLifetime)
    {
        await Run(EndSessionScript,
            [Key("denied", accessTokenId ?? "-"), Key("revoked", family), Key("session", family), Key("sessions", userId), Key("info", family)],
            [accessTokenId ?? "", Seconds(accessRemaining), Seconds(refreshLifetime), Prefix, family]);
        security.Ended(userId, family);
    }

    /// <summary>Revokes every session of the user issued so far, except <paramref name="keepFamily"/> when given.</summary>
    public async Task RevokeUserSessionsAsync(Guid userId, string? keepFamily, TimeSpan refreshLifetime)
    {
        await Run(RevokeUserScript, [Key("gen", userId), Key("keep", userId)], [keepFamily ?? "", Seconds(refreshLifetime)]);
        security.Revoked(userId, keepFamily);
    }

    internal static readonly Histogram CommandDuration = Metrics.CreateHistogram(
        "modular_redis_command_duration_seconds", "Round trips of the gateway's Redis commands (token store and request gate scripts), per operation.",
        new HistogramConfiguration { LabelNames = ["command"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });

    private async Task<RedisResult> Run(string script, RedisKey[] keys, RedisValue[] values,
        [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        using var _ = CommandDuration.WithLabels(operation.Replace("Async", "")).NewTimer();
        return await redis.GetDatabase().ScriptEvaluateAsync(script, keys, values);
    }

    private static RedisKey Key(string kind, object id) => $"{Prefix}{kind}:{id}";

    internal static long Seconds(TimeSpan span) => Math.Max(1, (long)Math.Ceiling(span.TotalSeconds));

    private static long Unix(DateTimeOffset at) => at.ToUnixTimeSeconds();

    private static DateTimeOffset FromUnix(RedisResult value) => DateTimeOffset.FromUnixTimeSeconds((long)value);

    private static string? NullIfEmpty(RedisResult value) => (string?)value is { Length: > 0 } text ? text : null;
}

/// <summary>One of a user's live sessions as its owner sees it (<c>GET /api/v1/auth/sessions</c>); its id is the token family.</summary>
internal sealed record SessionInfo(string Id, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt,
    string? UserAgent, string? IpPrefix);
