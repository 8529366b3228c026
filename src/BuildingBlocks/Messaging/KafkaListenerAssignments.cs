using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// Readiness of this process's Kafka listeners: every consumer Wolverine built has been given its share of its
/// topic's partitions at least once (docs/adr/0017). Until then the process is up, but what is sent to it waits in
/// Kafka: a user-service restarted after a crash waits for the group to drop the dead member (a session timeout)
/// before it reads a single request, and a gateway's read model would miss the events of that window.
/// A consumer that joined once stays counted through the group's later rebalances, which are its normal life;
/// a new consumer (a listener restarted by back pressure) is waited for again.
/// </summary>
public sealed class KafkaListenerAssignments(int listeners) : IHealthCheck
{
    private readonly Lock _lock = new();
    private int _built;
    private readonly HashSet<int> _assigned = [];

    /// <summary>Registers a consumer about to be built (Wolverine's <c>ConfigureConsumerBuilders</c>) and follows its assignments.</summary>
    public void Follow(ConsumerBuilder<string, byte[]> builder)
    {
        int consumer;
        lock (_lock) consumer = ++_built;
        // Called by the consumer's own poll when the group assigns it partitions; an empty share (more consumers than
        // partitions) is an assignment too: the consumer is in the group, and gets partitions when another leaves.
        builder.SetPartitionsAssignedHandler((_, _) =>
        {
            lock (_lock) _assigned.Add(consumer);
        });
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        lock (_lock)
        {
            var waiting = Math.Max(listeners, _built) - _assigned.Count;
            return Task.FromResult(waiting <= 0
                ? HealthCheckResult.Healthy($"{_assigned.Count} consumers assigned")
                : HealthCheckResult.Unhealthy($"{waiting} of {Math.Max(listeners, _built)} consumers not assigned their partitions yet (the group is rebalancing)"));
        }
    }
}
