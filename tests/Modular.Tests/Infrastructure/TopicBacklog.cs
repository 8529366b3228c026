using Confluent.Kafka;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// What a topic holds on the broker, and what a consumer group has not committed of it: a service whose listeners keep
/// no inbox (the notification-service, docs/adr/0019) has handled an event once its group's offset is past it.
/// </summary>
public sealed class TopicBacklog : IDisposable
{
    private readonly IConsumer<Ignore, Ignore> _consumer;
    private readonly IAdminClient _admin;
    private readonly List<TopicPartition> _partitions;

    public TopicBacklog(string brokers, string topic)
    {
        // A consumer that never subscribes nor commits: it only reads watermarks.
        _consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = brokers, GroupId = "test-backlog-probe" }).Build();
        _admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
        _partitions = _admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
    }

    private WatermarkOffsets Watermarks(TopicPartition partition) => _consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(5));

    /// <summary>Every record ever written to the topic: the sum of its partitions' high watermarks.</summary>
    public long Written() => _partitions.Sum(p => Watermarks(p).High.Value);

    /// <summary>The records between the low and the high watermarks: a broker that dropped old ones holds fewer.</summary>
    public long Held() => _partitions.Select(Watermarks).Sum(w => w.High.Value - w.Low.Value);

    public async Task<long> UncommittedAsync(string group)
    {
        var committed = (await _admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, _partitions)],
                new Confluent.Kafka.Admin.ListConsumerGroupOffsetsOptions { RequestTimeout = TimeSpan.FromSeconds(5) }))
            .Single().Partitions.ToDictionary(p => p.Partition.Value, p => p.Offset);
        return _partitions.Sum(p =>
        {
            var w = Watermarks(p);
            var from = committed.TryGetValue(p.Partition.Value, out var offset) && offset != Offset.Unset ? offset.Value : w.Low.Value;
            return w.High.Value - from;
        });
    }

    /// <summary>Waits until <paramref name="group"/> has committed every record of the topic (its offsets are stored after
    /// each handler and committed every 5 s).</summary>
    /// <param name="nudge">Writes one more record while some are uncommitted. A partition that went back, in a rebalance,
    /// to a process that had handled past the group's offset (its commit refused while the group rebalanced) is committed
    /// again only when its next record is handled (Wolverine's offset watermark, docs/wip/README.md): the records were
    /// handled, the offset says so only once the partition moves on.</param>
    public static async Task WaitUntilConsumedAsync(string brokers, string group, string topic, Func<Task>? nudge = null,
        TimeSpan? timeout = null)
    {
        using var backlog = new TopicBacklog(brokers, topic);
        var left = await Eventually.ReadAsync(async () =>
        {
            var uncommitted = await backlog.UncommittedAsync(group);
            if (uncommitted > 0 && nudge is not null) await nudge();
            return uncommitted;
        }, n => n == 0, timeout ?? TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(1));
        left.ShouldBe(0, $"{group} has not committed {left} records of {topic}");
    }

    public void Dispose()
    {
        _admin.Dispose();
        _consumer.Dispose();
    }
}
