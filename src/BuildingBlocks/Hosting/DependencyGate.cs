using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace Modular.BuildingBlocks.Hosting;

/// <summary>
/// Holds Wolverine's start until the dependencies it cannot start without answer: the message store
/// (PostgreSQL) and the Kafka topics the process reads, i.e. the health checks tagged
/// <see cref="HealthEndpoints.StartupTag"/>. Hosted services start concurrently, so the web server is
/// up meanwhile: <c>/health</c> answers and <c>/health/ready</c> names what is missing. Kubernetes
/// starts pods in no particular order; this is what lets a service come up before its database.
/// </summary>
public sealed class DependencyGate(HealthCheckService health, ILogger<DependencyGate> logger) : IAsyncWolverineExtension
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public async ValueTask Configure(WolverineOptions options)
    {
        var waiting = false;
        while (true)
        {
            var report = await health.CheckHealthAsync(check => check.Tags.Contains(HealthEndpoints.StartupTag));
            if (report.Status == HealthStatus.Healthy)
            {
                if (waiting) logger.LogInformation("Dependencies are available; starting messaging");
                return;
            }

            var missing = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => e.Key);
            logger.LogWarning("Waiting for {Dependencies} before starting messaging", string.Join(", ", missing));
            waiting = true;
            await Task.Delay(RetryDelay);
        }
    }
}
