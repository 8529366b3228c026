using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Modular.BuildingBlocks.Observability;

/// <summary>
/// OpenTelemetry traces, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (Jaeger in the compose
/// stack): the HTTP request, the messages it causes in every module and process (Wolverine carries the trace context
/// across Kafka), their PostgreSQL commands and outgoing HTTP calls, and the gateway's Redis commands
/// (<see cref="AddModuleTracing"/>). The trace id is the correlation id every answer and log line already carries
/// (<see cref="Correlation"/>), so the id a client reports finds the whole trace. The exporter's other standard
/// variables (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_BSP_*</c>) apply as the SDK defines them.
/// </summary>
public static class Tracing
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static WebApplicationBuilder AddTracing(this WebApplicationBuilder builder, SettingsReader settings, HostRole role)
    {
        // Read (and checked) here so that it is among the variables this process reports; the exporter reads it too.
        var endpoint = settings.Optional<Uri?>(EndpointVariable, null, v => SettingParsers.AbsoluteUrl(v, "http", "https"));
        if (endpoint is null) return builder;

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(role.ServiceName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = context => !IsProbeOrScrape(context))
                .AddHttpClientInstrumentation()
                // Npgsql traces its commands under its own source; Npgsql.OpenTelemetry would only add this line (and a newer Npgsql).
                .AddSource("Npgsql")
                .AddSource("Wolverine")
                .AddOtlpExporter());
        return builder;
    }

    /// <summary>A module adds the instrumentation of what only it uses (the gateway: Redis); without tracing it is never run.</summary>
    public static void AddModuleTracing(this IServiceCollection services, Action<TracerProviderBuilder> configure) =>
        services.ConfigureOpenTelemetryTracerProvider(configure);

    // Probes and scrapes every few seconds would bury the requests in the trace store.
    private static bool IsProbeOrScrape(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics");
}
