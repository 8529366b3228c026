using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Users;
using Modular.Gateway.Tokens;
using Prometheus;
using StackExchange.Redis;

namespace Modular.Gateway.Http;

/// <summary>
/// Everything a request needs from Redis before it runs, in one round trip (docs/adr/0009): its rate-limit
/// windows (<see cref="RateLimits"/>), whether its access token was revoked (<see cref="TokenStore"/>), and for
/// endpoints that answer with the caller's own account, that account from the read model (<see cref="UserProfiles"/>).
/// Runs after the JWT was validated (in-process) and before authorization. A revoked token leaves the request
/// anonymous, so protected routes answer 401; Redis unreachable: 503, never an unchecked pass; Redis back empty: every
/// token refused (no revocation mark for its user), never a pass for a token revoked before the loss.
/// </summary>
internal sealed class RequestGate(IConnectionMultiplexer redis, ThrottleSettings throttle) : IMiddleware
{
    // KEYS: 1 ip window, 2 auth window or '-', 3 denied jti, 4 revoked family, 5 user's mark, 6 kept family, 7 profile
    // ARGV: 1 limit, 2 window s, 3 auth limit, 4 token? '1', 5 token generation, 6 token family, 7 profile? '1'
    // Returns {-1, seconds until the window ends} over a limit, {0} revoked, {1[, profile json]} allowed.
    private const string Script = RateLimits.OverLimitFunction + """
        if KEYS[1] ~= '-' and over(KEYS[1], ARGV[1], ARGV[2]) then return {-1, redis.call('TTL', KEYS[1])} end
        if KEYS[2] ~= '-' and over(KEYS[2], ARGV[3], ARGV[2]) then return {-1, redis.call('TTL', KEYS[2])} end
        if ARGV[4] ~= '1' then return {1} end
        if redis.call('EXISTS', KEYS[3], KEYS[4]) > 0 then return {0} end
        local mark = redis.call('GET', KEYS[5])
        if not mark then return {0} end -- no mark: Redis lost its data since the token was issued (TokenStore), refuse
        local gen = tonumber(mark)
        if tonumber(ARGV[5]) < gen and redis.call('GET', KEYS[6]) ~= ARGV[6] then return {0} end
        if ARGV[7] == '1' then return {1, redis.call('HGET', KEYS[7], 'json')} end
        return {1}
        """;

    private static readonly RedisKey None = "-";

    private static readonly Histogram.Child GateDuration = TokenStore.CommandDuration.WithLabels("Gate");

    private readonly RedisValue _limit = throttle.Limit;
    private readonly RedisValue _window = TokenStore.Seconds(throttle.Window);
    private readonly RedisValue _authLimit = throttle.AuthLimit;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var session = context.User.Identity?.IsAuthenticated == true ? SessionClaims.From(context.User) : null;
        // A signed token without our claims was not issued by this gateway's code: no session at all.
        if (session is null && context.User.Identity?.IsAuthenticated == true) context.User = Anonymous();
        var limited = context.Request.Path.StartsWithSegments("/api/v1");
        if (!limited && session is null)
        {
            await next(context);
            return;
        }

        var endpoint = context.GetEndpoint();

        var ip = RateLimits.ClientIp(context);
        var auth = endpoint?.Metadata.GetMetadata<RateLimits.AuthLimited>() is not null;
        var withProfile = endpoint?.Metadata.GetMetadata<UserProfiles.ReadsOwnProfile>() is not null;
        RedisKey[] keys =
        [
            limited ? RateLimits.Key("ip", ip) : None,
            limited && auth ? RateLimits.Key("auth-ip", ip) : None,
            .. session is null ? [None, None, None, None, None] : TokenStore.AccessKeys(session),
            session is null ? None : UserProfiles.Key(session.UserId),
        ];
        RedisValue[] values =
        [
            _limit, _window, _authLimit, session is null ? "0" : "1",
            session?.Generation ?? 0, session?.Family ?? "", withProfile ? "1" : "0",
        ];

        RedisResult[] result;
        using (GateDuration.NewTimer())
            result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Script, keys, values))!;

        switch ((long)result[0])
        {
            case -1:
                await RateLimits.WriteTooManyRequestsAsync(context, auth ? throttle.AuthLimit : throttle.Limit, (long)result[1]);
                return;
            case 0:
                context.User = Anonymous();
                break;
            default:
                if (withProfile) context.Features.Set(new UserProfiles.CachedProfile(result.Length > 1 && !result[1].IsNull ? (string?)result[1] : null));
                break;
        }
        await next(context);
    }

    private static ClaimsPrincipal Anonymous() => new(new ClaimsIdentity());
}
