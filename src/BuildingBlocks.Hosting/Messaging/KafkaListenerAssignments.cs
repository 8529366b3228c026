using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// Readiness of this process's Kafka listeners (check <c>listeners</c>, docs/adr/0017): every consumer it serves by
/// (its replies topic, and each topic read with <c>TopicSubscription.GatesReadiness</c>) has joined its consumer group
/// and been given its share of the partitions at least once; consumers are told apart by their client ids. Until then the process is
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
    private readonly HashSet<string> _gating;
    private readonly HashSet<string> _joined = [];

    /// <param name="gating">The client ids (<see cref="ClientIdOf"/>) of the consumers this process will build that must
    /// have joined before it is ready, so that the check is not healthy before Wolverine has built them. Consumers of
    /// other topics are not waited for (<c>TopicSubscription.GatesReadiness</c>).</param>
    public KafkaListenerAssignments(IEnumerable<string> gating) => _gating = [.. gating];

    /// <summary>The client id of the consumer that reads <paramref name="topic"/> (one consumer per topic in a process): it
    /// names the consumer in its statistics, and to the broker.</summary>
    public static string ClientIdOf(string topic) => "modular." + topic;

    /// <summary>Follows a consumer about to be built (Wolverine's <c>ConfigureConsumerBuilders</c>).</summary>
    public void Follow(ConsumerBuilder<string, byte[]> builder)
    {
        var settled = false;
        // Called from the consumer's own poll every StatisticsIntervalMs; parsed only until the consumer has joined, or
        // once for a consumer the check does not wait for.
        builder.SetStatisticsHandler((_, statistics) =>
        {
            if (settled) return;
            var (client, joined) = Read(statistics);
            // _gating never changes after construction: read without the lock.
            if (client is null || !_gating.Contains(client)) settled = true;
            else if (joined) settled = Joined(client);
        });
    }

    /// <summary>Counts the consumer <paramref name="client"/> as joined; false when the check does not wait for it.</summary>
    public bool Joined(string client)
    {
        lock (_lock) return _gating.Contains(client) && (_joined.Add(client) || true);
    }

    /// <summary>The consumer's client id and whether it has joined (<see cref="HasJoined"/>).</summary>
    public static (string? Client, bool Joined) Read(string statistics)
    {
        using var json = JsonDocument.Parse(statistics);
        var client = json.RootElement.TryGetProperty("client_id", out var id) ? id.GetString() : null;
        return (client, HasJoined(json.RootElement));
    }

    /// <summary>
    /// Whether librdkafka's statistics say the consumer is a member of its group with its assignment in effect:
    /// <c>cgrp.state</c> "up" and <c>cgrp.join_state</c> "steady" (an empty share, more consumers than partitions,
    /// counts: the consumer gets partitions when another leaves).
    /// </summary>
    public static bool HasJoined(string statistics)
    {
        using var json = JsonDocument.Parse(statistics);
        return HasJoined(json.RootElement);
    }

    private static bool HasJoined(JsonElement statistics) =>
        statistics.TryGetProperty("cgrp", out var group)
               && group.TryGetProperty("state", out var state) && state.GetString() == "up"
               && group.TryGetProperty("join_state", out var join) && join.GetString() == "steady";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        lock (_lock)
        {
            var expected = _gating.Count;
            var waiting = expected - _joined.Count;
            return Task.FromResult(waiting <= 0
                ? HealthCheckResult.Healthy($"{_joined.Count} consumers assigned their partitions")
                : HealthCheckResult.Unhealthy($"{waiting} of {expected} consumers not assigned their partitions yet (the group is rebalancing)"));
        }
    }
}
