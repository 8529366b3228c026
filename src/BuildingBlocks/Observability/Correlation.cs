using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Modular.BuildingBlocks.Observability;

/// <summary>
/// One correlation id per incoming request: the W3C trace id of its activity. Wolverine takes it as the
/// correlation id of every message the request causes (<c>Activity.Current.RootId</c>) and carries the trace
/// context across Kafka, so the handlers of every module, in every process, run under the same trace id.
/// Every log line carries it (a logging scope), and the response returns it in <see cref="Header"/>.
/// </summary>
public static class Correlation
{
    public const string Header = "X-Correlation-Id";

    // Activities exist only when someone listens: this listener makes ASP.NET Core and Wolverine create
    // theirs, which is what puts the trace id on log lines and message envelopes.
    private static readonly ActivityListener Listener = new()
    {
        ShouldListenTo = source => source.Name is "Wolverine" or "Microsoft.AspNetCore",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
    };

    public static WebApplicationBuilder AddCorrelation(this WebApplicationBuilder builder)
    {
        ActivitySource.AddActivityListener(Listener);
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        return builder;
    }

    /// <summary>
    /// Returns the request's correlation id to the client, errors included, and writes one access-log line per
    /// request (not for the probes and scrapes of /health and /metrics), which carries the id like every other.
    /// </summary>
    public static WebApplication UseCorrelationHeader(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Modular.Requests");
        app.Use(async (context, next) =>
        {
            if (Activity.Current is { } activity) context.Response.Headers[Header] = activity.TraceId.ToHexString();
            var started = Stopwatch.GetTimestamp();
            await next(context);
            if (!context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/metrics"))
                logger.LogInformation("{Method} {Path} answered {StatusCode} in {ElapsedMs:0.0} ms", context.Request.Method,
                    context.Request.Path.Value, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
        return app;
    }
}
