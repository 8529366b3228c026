using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Modular.BuildingBlocks.Hosting;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// Makes sure the topics a process consumes exist. A consumer that subscribes to a missing topic only
/// notices it much later, so a gateway's new replies topic must exist before its listener starts: this
/// check gates Wolverine's start (<see cref="DependencyGate"/>) and is part of readiness.
/// Asking for a topic's metadata creates it where the broker auto-creates topics (the test broker does;
/// so does Kafka with <c>auto.create.topics.enable</c>); otherwise it is created through the admin API.
/// </summary>
public sealed class KafkaTopics(HostRole role, KafkaSettings kafka, ILogger<KafkaTopics> logger) : IHealthCheck, IDisposable
{
    private readonly IReadOnlyList<string> _topics = MessagingTopology.TopicsRead(role, kafka);
    private readonly Lazy<(IProducer<Null, Null> Producer, IAdminClient Admin)> _client = new(() =>
    {
        // A producer's metadata requests may create topics; an admin client built on it shares its connection.
        var producer = new ProducerBuilder<Null, Null>(kafka.Client(new ProducerConfig())).Build();
        return (producer, new DependentAdminClientBuilder(producer.Handle).Build());
    });

    /// <summary>Ready when a broker answers and every topic this process reads exists.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) =>
        Task.Run(() =>
        {
            try
            {
                var missing = Missing();
                return missing.Count == 0
                    ? HealthCheckResult.Healthy($"topics {string.Join(", ", _topics)}")
                    : HealthCheckResult.Unhealthy($"missing topics {string.Join(", ", missing)}");
            }
            catch (KafkaException e)
            {
                return HealthCheckResult.Unhealthy("Kafka cannot be reached", e);
            }
        }, ct).WaitAsync(ct); // the client's calls take no token: stop waiting when the check's timeout ends

    private List<string> Missing()
    {
        var admin = _client.Value.Admin;
        var missing = new List<string>();
        foreach (var topic in _topics)
        {
            var metadata = admin.GetMetadata(topic, HealthEndpoints.CheckTimeout);
            if (metadata.Topics.Any(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError && t.Partitions.Count > 0)) continue;
            missing.Add(topic);
            TryCreate(admin, topic);
        }
        return missing;
    }

    private void TryCreate(IAdminClient admin, string topic)
    {
        try
        {
            admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = -1, ReplicationFactor = -1 }],
                new CreateTopicsOptions { RequestTimeout = HealthEndpoints.CheckTimeout }).Wait(HealthEndpoints.CheckTimeout);
        }
        catch (Exception e) when (e is AggregateException or KafkaException)
        {
            logger.LogDebug(e, "Could not create Kafka topic {Topic}", topic);
        }
    }

    public void Dispose()
    {
        if (!_client.IsValueCreated) return;
        _client.Value.Admin.Dispose();
        _client.Value.Producer.Dispose();
    }
}
