using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Modular.BuildingBlocks.Hosting;
using Prometheus;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// <c>modular_kafka_consumer_lag{group,topic,partition}</c> on <c>/metrics</c>: per partition, the high watermark
/// minus the group's committed offset, measured when Prometheus scrapes. Every Kafka process reports the lag of
/// every service's consumer group, so the lag of a service that is down is still seen (aggregate with <c>max</c>).
/// </summary>
public sealed class KafkaConsumerLag(HostRole role, KafkaSettings kafka, ILogger<KafkaConsumerLag> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private static readonly Gauge Lag = Metrics.CreateGauge("modular_kafka_consumer_lag",
        "Messages of a topic partition that a consumer group has not committed yet (high watermark - committed offset).",
        "group", "topic", "partition");

    private readonly Lazy<(IConsumer<Ignore, Ignore> Consumer, IAdminClient Admin)> _client = new(() =>
    {
        // A consumer that never subscribes nor commits: it only reads watermarks; no group is joined.
        var consumer = new ConsumerBuilder<Ignore, Ignore>(kafka.Client(new ConsumerConfig
        {
            GroupId = "modular-lag-probe",
            EnableAutoCommit = false,
        })).Build();
        return (consumer, new DependentAdminClientBuilder(consumer.Handle).Build());
    });

    private volatile bool _stopped;

    public Task StartAsync(CancellationToken ct)
    {
        // The registry is static and keeps its callbacks: once this host stops, its callback does nothing.
        Metrics.DefaultRegistry.AddBeforeCollectCallback(async cancel =>
        {
            if (!_stopped) await MeasureAsync(cancel);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct)
    {
        _stopped = true;
        return Task.CompletedTask;
    }

    /// <summary>Sets the gauge for every partition of every service group's topic; a failure leaves the last values.</summary>
    public async Task MeasureAsync(CancellationToken ct)
    {
        try
        {
            var (consumer, admin) = _client.Value;
            foreach (var (_, group, topic) in MessagingTopology.ServiceConsumerGroups(role.Catalog))
            {
                var partitions = admin.GetMetadata(topic, Timeout).Topics.SingleOrDefault(t => t.Topic == topic)?.Partitions
                    .Select(p => new TopicPartition(topic, p.PartitionId)).ToList() ?? [];
                if (partitions.Count == 0) continue;

                var committed = (await admin.ListConsumerGroupOffsetsAsync(
                        [new ConsumerGroupTopicPartitions(group, partitions)],
                        new Confluent.Kafka.Admin.ListConsumerGroupOffsetsOptions { RequestTimeout = Timeout }))
                    .Single().Partitions.ToDictionary(p => p.Partition.Value, p => p.Offset);
                foreach (var partition in partitions)
                {
                    var watermarks = consumer.QueryWatermarkOffsets(partition, Timeout);
                    // No commit yet: everything the partition still holds is unconsumed.
                    var from = committed.TryGetValue(partition.Partition.Value, out var offset) && offset != Offset.Unset
                        ? offset.Value
                        : watermarks.Low.Value;
                    Lag.WithLabels(group, topic, partition.Partition.Value.ToString())
                        .Set(Math.Max(0, watermarks.High.Value - from));
                }
            }
        }
        catch (Exception e) when (e is KafkaException or AggregateException or InvalidOperationException)
        {
            logger.LogWarning("Could not measure the Kafka consumer lag: {Reason}", e.Message);
        }
    }

    public void Dispose()
    {
        if (!_client.IsValueCreated) return;
        _client.Value.Admin.Dispose();
        _client.Value.Consumer.Dispose();
    }
}
