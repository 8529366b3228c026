using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Modular.BuildingBlocks.Hosting;

/// <summary>
/// <c>/health</c> answers while the process is alive; <c>/health/ready</c> runs the checks the running
/// modules registered with the <see cref="ReadyTag"/> and names each dependency that failed.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    /// <summary>Dependencies without which messaging cannot start at all (see <see cref="DependencyGate"/>).</summary>
    public const string StartupTag = "startup";

    /// <summary>
    /// How long one dependency may take to answer before readiness calls it down. Every readiness check is
    /// registered with it and they run concurrently, so <c>/health/ready</c> answers within it: the probes'
    /// <c>timeoutSeconds</c> in kubernetes/ are above it.
    /// </summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Ready only once every hosted service has started, Wolverine included: hosted services start
    /// concurrently (see <see cref="DependencyGate"/>), so the web server answers before messaging runs.
    /// </summary>
    internal sealed class StartedCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) =>
            Task.FromResult(lifetime.ApplicationStarted.IsCancellationRequested
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("still starting: waiting for its dependencies"));
    }

    internal static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteJson,
        });
    }

    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), detail = e.Value.Exception?.Message ?? e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}
