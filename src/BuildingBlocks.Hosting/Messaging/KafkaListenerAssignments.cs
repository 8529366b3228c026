using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// Readiness of this process's Kafka listeners (check <c>listeners</c>, docs/adr/0017): every consumer Wolverine built
/// has joined its consumer group and been given its share of the partitions at least once. Until then the process is
/// up, but what is sent to it waits in Kafka: a user-service restarted after a crash waits for the group to drop the
/// dead member (its session timeout) before it reads a single request.
/// <para>It watches librdkafka's statistics (<c>cgrp.join_state</c>) instead of registering a rebalance handler: with a
/// partitions-assigned handler on Wolverine's consumers, a restarted service's consumer never read in CI (commit
/// 998fb9a); the statistics change nothing in how the consumer joins. A consumer that joined once stays counted through the group's
/// later rebalances, which are its normal life.</para>
/// </summary>
public sealed class KafkaListenerAssignments : IHealthCheck
{
    /// <summary>How often librdkafka reports a consumer's statistics: the most this check lags behind an assignment.</summary>
    public const int StatisticsIntervalMs = 250;

    private readonly Lock _lock = new();
    private readonly int _listeners;
    private int _built;
    private readonly HashSet<int> _joined = [];

    /// <param name="listeners">The consumers this process will build (one per topic it reads), so that the check is
    /// not healthy before Wolverine has built them.</param>
    public KafkaListenerAssignments(int listeners) => _listeners = listeners;

    /// <summary>Follows a consumer about to be built (Wolverine's <c>ConfigureConsumerBuilders</c>).</summary>
    public void Follow(ConsumerBuilder<string, byte[]> builder)
    {
        int consumer;
        lock (_lock) consumer = ++_built;
        // Called from the consumer's own poll every StatisticsIntervalMs; parsed only until the consumer has joined.
        builder.SetStatisticsHandler((_, statistics) =>
        {
            lock (_lock)
            {
                if (_joined.Contains(consumer)) return;
            }
            if (!HasJoined(statistics)) return;
            lock (_lock) _joined.Add(consumer);
        });
    }

    /// <summary>
    /// Whether librdkafka's statistics say the consumer is a member of its group with its assignment in effect:
    /// <c>cgrp.state</c> "up" and <c>cgrp.join_state</c> "steady" (an empty share, more consumers than partitions,
    /// counts: the consumer gets partitions when another leaves).
    /// </summary>
    public static bool HasJoined(string statistics)
    {
        using var json = JsonDocument.Parse(statistics);
        return json.RootElement.TryGetProperty("cgrp", out var group)
               && group.TryGetProperty("state", out var state) && state.GetString() == "up"
               && group.TryGetProperty("join_state", out var join) && join.GetString() == "steady";
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        lock (_lock)
        {
            var expected = Math.Max(_listeners, _built);
            var waiting = expected - _joined.Count;
            return Task.FromResult(waiting <= 0
                ? HealthCheckResult.Healthy($"{_joined.Count} consumers assigned their partitions")
                : HealthCheckResult.Unhealthy($"{waiting} of {expected} consumers not assigned their partitions yet (the group is rebalancing)"));
        }
    }
}
