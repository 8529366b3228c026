using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Modular.BuildingBlocks.Hosting;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// Makes sure the topics a process uses exist. A consumer that subscribes to a missing topic only notices it much
/// later, so a gateway's new replies topic must exist before its listener starts: this check gates Wolverine's
/// start (<see cref="DependencyGate"/>) and is part of readiness.
/// With <c>KAFKA_CREATE_TOPICS=true</c> (local runs, the test broker) a missing topic is created: asking for its
/// metadata creates it where the broker auto-creates topics (the test broker does; so does Kafka with
/// <c>auto.create.topics.enable</c>), otherwise the admin API does. With <c>false</c> (the deployments, whose topics
/// <c>provision-topics</c> creates) the check only names what is missing; the one topic it still creates is the
/// gateway's own replies topic, which nobody can provision in advance (docs/adr/0014).
/// </summary>
public sealed class KafkaTopics(HostRole role, KafkaSettings kafka, ILogger<KafkaTopics> logger) : IHealthCheck, IDisposable
{
    private readonly IReadOnlyList<string> _topics = MessagingTopology.TopicsUsed(role, kafka);
    private readonly TopicSpec? _replyTopic = role.AwaitsReplies ? MessagingTopology.ReplyTopicSpec(kafka) : null;
    private bool _adminCreatesTopics = true;

    private readonly Lazy<(IProducer<Null, Null> Producer, IAdminClient Admin)> _client = new(() =>
    {
        // A producer's metadata requests may create topics (where KAFKA_CREATE_TOPICS allows: see KafkaSettings.Apply);
        // an admin client built on it shares its connection.
        var producer = new ProducerBuilder<Null, Null>(kafka.Client(new ProducerConfig())).Build();
        return (producer, new DependentAdminClientBuilder(producer.Handle).Build());
    });

    /// <summary>Ready when a broker answers and every topic this process uses exists.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) =>
        Task.Run(() =>
        {
            try
            {
                var missing = Missing();
                if (missing.Count == 0) return HealthCheckResult.Healthy($"topics {string.Join(", ", _topics)}");
                return HealthCheckResult.Unhealthy(kafka.CreateTopics
                    ? $"missing topics {string.Join(", ", missing)}"
                    : $"missing topics {string.Join(", ", missing)} (KAFKA_CREATE_TOPICS=false: run provision-topics)");
            }
            catch (KafkaException e)
            {
                return HealthCheckResult.Unhealthy("Kafka cannot be reached", e);
            }
        }, ct).WaitAsync(ct); // the client's calls take no token: stop waiting when the check's timeout ends

    private List<string> Missing() => kafka.CreateTopics ? CreateMissing() : ReportMissing();

    private List<string> CreateMissing()
    {
        var admin = _client.Value.Admin;
        var missing = new List<string>();
        foreach (var topic in _topics)
        {
            if (Exists(admin.GetMetadata(topic, HealthEndpoints.CheckTimeout), topic)) continue;
            missing.Add(topic);
            TryCreate(admin, new TopicSpecification { Name = topic, NumPartitions = -1, ReplicationFactor = -1 });
        }
        return missing;
    }

    /// <summary>One request for the metadata of every topic: unlike a request for one topic's, it never creates one.</summary>
    private List<string> ReportMissing()
    {
        var admin = _client.Value.Admin;
        var metadata = admin.GetMetadata(HealthEndpoints.CheckTimeout);
        var missing = _topics.Where(topic => !Exists(metadata, topic)).ToList();
        if (_replyTopic is { } reply && missing.Contains(reply.Name)) CreateReplyTopic(admin, reply);
        return missing;
    }

    /// <summary>
    /// The replies topic as it should be (one partition, short retention) through the admin API, which needs a CREATE
    /// right on the prefix <c>gateway.replies.</c>. Where the admin API cannot create topics (the test broker, a broker
    /// that refuses), a metadata request for it creates it where the broker auto-creates topics.
    /// </summary>
    private void CreateReplyTopic(IAdminClient admin, TopicSpec reply)
    {
        if (_adminCreatesTopics && TryCreate(admin, new TopicSpecification
            {
                Name = reply.Name,
                NumPartitions = 1,
                ReplicationFactor = -1, // the broker's default.replication.factor
                Configs = new() { ["retention.ms"] = ((long)reply.Retention.TotalMilliseconds).ToString() },
            })) return;
        _adminCreatesTopics = false;
        var config = kafka.Client(new ProducerConfig());
        config.AllowAutoCreateTopics = true;
        using var autoCreating = new ProducerBuilder<Null, Null>(config).Build();
        using var autoAdmin = new DependentAdminClientBuilder(autoCreating.Handle).Build();
        autoAdmin.GetMetadata(reply.Name, HealthEndpoints.CheckTimeout);
    }

    private static bool Exists(Metadata metadata, string topic) =>
        metadata.Topics.Any(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError && t.Partitions.Count > 0);

    private bool TryCreate(IAdminClient admin, TopicSpecification topic)
    {
        try
        {
            return admin.CreateTopicsAsync([topic], new CreateTopicsOptions { RequestTimeout = HealthEndpoints.CheckTimeout })
                .Wait(HealthEndpoints.CheckTimeout);
        }
        catch (AggregateException e) when (e.InnerException is CreateTopicsException created
            && created.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            return true;
        }
        catch (Exception e) when (e is AggregateException or KafkaException)
        {
            logger.LogDebug(e, "Could not create Kafka topic {Topic}", topic.Name);
            return false;
        }
    }

    public void Dispose()
    {
        if (!_client.IsValueCreated) return;
        _client.Value.Admin.Dispose();
        _client.Value.Producer.Dispose();
    }
}
