using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Modular.BuildingBlocks.Hosting;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>Kafka is ready when a broker answers a metadata request in time.</summary>
internal sealed class KafkaHealthCheck(KafkaSettings settings) : IHealthCheck, IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = settings.Brokers }).Build());

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) =>
        Task.Run(() =>
        {
            try
            {
                var metadata = _admin.Value.GetMetadata(HealthEndpoints.CheckTimeout);
                return metadata.Brokers.Count > 0
                    ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s)")
                    : HealthCheckResult.Unhealthy("no broker answered");
            }
            catch (KafkaException e)
            {
                return HealthCheckResult.Unhealthy("Kafka cannot be reached", e);
            }
        }, ct);

    public void Dispose()
    {
        if (_admin.IsValueCreated) _admin.Value.Dispose();
    }
}
