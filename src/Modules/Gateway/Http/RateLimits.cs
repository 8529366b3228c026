using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks;
using RedisRateLimiting;
using StackExchange.Redis;

namespace Modular.Gateway.Http;

/// <summary>A request body that names an account, whose e-mail the stricter auth limit also counts per address.</summary>
public interface IEmailRequest
{
    string? Email { get; }
}

/// <param name="Limit"><c>THROTTLE_LIMIT</c>: requests per client IP per window on the API.</param>
/// <param name="Window"><c>THROTTLE_TTL</c>: the window.</param>
/// <param name="AuthLimit"><c>AUTH_THROTTLE_LIMIT</c>: login, register and forgot-password requests per IP and per e-mail per window.</param>
internal sealed record ThrottleSettings(int Limit, TimeSpan Window, int AuthLimit);

/// <summary>
/// Fixed-window limits counted in Redis (RedisRateLimiting), so every gateway replica shares them:
/// a client cannot multiply its allowance by spreading requests over replicas.
/// </summary>
internal static class RateLimits
{
    private static readonly string[] AuthPaths = ["/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/forgot-password"];

    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services, ThrottleSettings throttle)
    {
        services.AddSingleton(throttle);
        services.AddSingleton(sp => new EmailRateLimiter(sp.GetRequiredService<IConnectionMultiplexer>(), throttle));
        return services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context => IsApi(context)
                    ? Window(context, $"ip:{ClientIp(context)}", throttle.Limit, throttle.Window)
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(context => IsAuth(context)
                    ? Window(context, $"auth-ip:{ClientIp(context)}", throttle.AuthLimit, throttle.Window)
                    : RateLimitPartition.GetNoLimiter("")));
            options.OnRejected = (rejected, ct) =>
                WriteTooManyRequestsAsync(rejected.HttpContext, rejected.Lease, IsAuth(rejected.HttpContext) ? throttle.AuthLimit : throttle.Limit, throttle);
        });
    }

    /// <summary>Counts login, register and forgot-password per e-mail address too, whatever IP they come from.</summary>
    public static async ValueTask<object?> LimitPerEmail(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.Arguments.OfType<IEmailRequest>().FirstOrDefault()?.Email is { Length: > 0 } email)
        {
            var limiter = context.HttpContext.RequestServices.GetRequiredService<EmailRateLimiter>();
            using var lease = await limiter.AcquireAsync(Emails.Normalize(email), context.HttpContext.RequestAborted);
            if (!lease.IsAcquired)
            {
                var throttle = context.HttpContext.RequestServices.GetRequiredService<ThrottleSettings>();
                await WriteTooManyRequestsAsync(context.HttpContext, lease, throttle.AuthLimit, throttle);
                return Results.Empty;
            }
        }
        return await next(context);
    }

    private static async ValueTask WriteTooManyRequestsAsync(HttpContext context, RateLimitLease lease, int limit, ThrottleSettings throttle)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : throttle.Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
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

    private static RateLimitPartition<string> Window(HttpContext context, string key, int limit, TimeSpan window)
    {
        var redis = context.RequestServices.GetRequiredService<IConnectionMultiplexer>();
        return RedisRateLimitPartition.GetFixedWindowRateLimiter(key, _ => new RedisFixedWindowRateLimiterOptions
        {
            ConnectionMultiplexerFactory = () => redis,
            PermitLimit = limit,
            Window = window,
        });
    }

    private static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api/v1");

    private static bool IsAuth(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) && AuthPaths.Any(p => context.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase));

    private static string ClientIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    internal sealed class EmailRateLimiter(IConnectionMultiplexer redis, ThrottleSettings throttle)
    {
        private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(email =>
            RedisRateLimitPartition.GetFixedWindowRateLimiter($"auth-email:{email}", _ => new RedisFixedWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => redis,
                PermitLimit = throttle.AuthLimit,
                Window = throttle.Window,
            }));

        public ValueTask<RateLimitLease> AcquireAsync(string email, CancellationToken ct) => _limiter.AcquireAsync(email, 1, ct);
    }
}
