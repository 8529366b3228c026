using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks;
using StackExchange.Redis;

namespace Modular.Gateway.Http;

/// <summary>A request body that names an account, whose e-mail the stricter auth limit also counts per address.</summary>
public interface IEmailRequest
{
    string? Email { get; }
}

/// <param name="Limit"><c>THROTTLE_LIMIT</c>: requests per client IP per window on the API.</param>
/// <param name="Window"><c>THROTTLE_TTL</c>: the window.</param>
/// <param name="AuthLimit"><c>AUTH_THROTTLE_LIMIT</c>: login, register, forgot-password, change-password and account-delete
/// requests per IP and per account (its e-mail, or the signed-in user) per window.</param>
internal sealed record ThrottleSettings(int Limit, TimeSpan Window, int AuthLimit);

/// <summary>
/// Fixed windows counted in Redis, so every gateway replica shares them: a client cannot multiply its
/// allowance by spreading requests over replicas. A window starts with its first request and lasts
/// <c>THROTTLE_TTL</c>. The per-IP windows are counted by <see cref="RequestGate"/> in the round trip every
/// request makes anyway (docs/adr/0009); endpoints marked <see cref="AuthLimited"/> (login, register,
/// forgot-password, whatever their path is spelled like) also count against the stricter auth windows,
/// per IP there and per e-mail address here (<see cref="LimitPerEmail"/>).
/// </summary>
internal static class RateLimits
{
    /// <summary>Endpoint metadata: the endpoint counts against <c>AUTH_THROTTLE_LIMIT</c>.</summary>
    internal sealed class AuthLimited
    {
        public static readonly AuthLimited Instance = new();
    }

    /// <summary>The fixed window, in Lua: counts one hit, starts the window on its first, says whether it is over the limit.</summary>
    internal const string OverLimitFunction = """
        local function over(key, limit, window)
          local n = redis.call('INCR', key)
          if n == 1 then redis.call('EXPIRE', key, window) end
          return n > tonumber(limit)
        end

        """;

    private const string WindowScript = OverLimitFunction + """
        if over(KEYS[1], ARGV[1], ARGV[2]) then return redis.call('TTL', KEYS[1]) end
        return -1
        """;

    public static RouteHandlerBuilder LimitedLikeAuth(this RouteHandlerBuilder endpoint) =>
        endpoint.WithMetadata(AuthLimited.Instance).AddEndpointFilter(LimitPerAccount);

    public static RedisKey Key(string kind, string id) => $"gateway:rate:{kind}:{id}";

    /// <summary>
    /// Counts the request per account too, whatever IP it comes from: the e-mail it names (login, register,
    /// forgot-password), or the signed-in user (change-password, account delete: each a guess at the password).
    /// </summary>
    private static async ValueTask<object?> LimitPerAccount(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var account = context.Arguments.OfType<IEmailRequest>().FirstOrDefault()?.Email is { Length: > 0 } email
            ? Key("auth-email", Emails.Normalize(email))
            : Tokens.SessionClaims.From(context.HttpContext.User) is { } session ? Key("auth-user", session.UserId.ToString()) : default(RedisKey?);
        if (account is { } key)
        {
            var services = context.HttpContext.RequestServices;
            var throttle = services.GetRequiredService<ThrottleSettings>();
            var retryAfter = (long)await services.GetRequiredService<IConnectionMultiplexer>().GetDatabase().ScriptEvaluateAsync(WindowScript,
                [key], [throttle.AuthLimit, Tokens.TokenStore.Seconds(throttle.Window)]);
            if (retryAfter >= 0)
            {
                await WriteTooManyRequestsAsync(context.HttpContext, throttle.AuthLimit, retryAfter);
                return Results.Empty;
            }
        }
        return await next(context);
    }

    public static async Task WriteTooManyRequestsAsync(HttpContext context, int limit, long retryAfterSeconds)
    {
        var seconds = Math.Max(1, retryAfterSeconds).ToString(CultureInfo.InvariantCulture);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds;
        response.Headers["RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        response.Headers["RateLimit-Remaining"] = "0";
        response.Headers["RateLimit-Reset"] = seconds;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"Try again in {seconds} s.",
            },
        });
    }

    /// <summary>
    /// The client's rate-limit bucket: its IPv4 address, or its IPv6 /64. One IPv6 client holds a whole /64
    /// (privacy addresses change often), so a bucket per address would give it 2^64 allowances.
    /// </summary>
    public static string ClientIp(HttpContext context) => context.Connection.RemoteIpAddress switch
    {
        null => "unknown",
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } v6 => Prefix64(v6),
        var v4 => v4.ToString(),
    };

    private static string Prefix64(System.Net.IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }
}

/// <summary>
/// Requests that cost a password hash (login, register, change and reset password) are bounded per gateway:
/// a few run at once and a short queue waits; beyond that the answer is an immediate 503 with
/// <c>Retry-After</c>, rather than a place in a queue that would outlast <c>REQUEST_TIMEOUT</c> and end in a 504
/// (docs/performance.md). The bound follows the cores: the hash is CPU work, and each core does one at a time.
/// </summary>
internal static class PasswordWork
{
    public const string Policy = "password-hash";

    public static readonly int Concurrent = Math.Max(2, 2 * Environment.ProcessorCount);
    public static readonly int Queued = 8 * Environment.ProcessorCount;

    public static IServiceCollection AddPasswordWorkLimit(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.AddConcurrencyLimiter(Policy, limiter =>
            {
                limiter.PermitLimit = Concurrent;
                limiter.QueueLimit = Queued;
                limiter.QueueProcessingOrder = System.Threading.RateLimiting.QueueProcessingOrder.OldestFirst;
            });
            options.OnRejected = async (rejected, _) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                response.Headers.RetryAfter = "1";
                await rejected.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = rejected.HttpContext,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status503ServiceUnavailable,
                        Title = "Busy",
                        Detail = "Too many sign-ins are being checked right now. Try again in 1 s.",
                    },
                });
            };
        });

    public static RouteHandlerBuilder CostsAPasswordHash(this RouteHandlerBuilder endpoint) => endpoint.RequireRateLimiting(Policy);
}
