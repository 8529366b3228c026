using System.Text.RegularExpressions;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks.Hosting;
using Wolverine;
using Wolverine.Kafka;
using Wolverine.Kafka.Internals;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// Where cross-module messages flow when the modules run in different processes (<c>KAFKA_BROKERS</c> set), from what
/// each module declares (<see cref="ModuleDefinition"/>): a module's <see cref="Modular.Contracts.IRequest"/>s go to its
/// requests topic, its <see cref="Modular.Contracts.IEvent"/>s to its events topic, keyed by the property it names; each
/// topic a module reads has a consumer group of its own; a module that awaits replies reads them on a topic of its
/// process's own (<c>gateway.replies.{replica}</c>, <c>GATEWAY_REPLICA</c>), so a reply always reaches the process that
/// asked, however many replicas share the work (docs/adr/0003). In one process the same messages go through Wolverine's
/// durable local queues and none of this applies.
/// </summary>
public static partial class MessagingTopology
{
    public const string RepliesPrefix = "gateway.replies.";

    /// <summary>The most a consumer holds fetched but not yet handled (see the consumer configuration below).</summary>
    public const int PrefetchKilobytes = 4 * 1024;

    /// <summary>The most one fetch returns (above the default message.max.bytes of 1,000,000, so every message fits).</summary>
    public const int FetchMaxBytes = 1024 * 1024;

    public static void UseKafkaTopology(this WolverineOptions opts, HostRole role, KafkaSettings kafka)
    {
        // The readiness check "listeners" (ModularHost): every listener's consumer has joined its group.
        var assignments = new KafkaListenerAssignments(TopicsGatingReadiness(role, kafka).Select(KafkaListenerAssignments.ClientIdOf));
        opts.Services.AddSingleton(assignments);
        opts.UseKafka(kafka.Brokers)
            .ConfigureClient(kafka.Apply)
            .ConfigureConsumerBuilders(assignments.Follow)
            .ConfigureConsumers(consumer =>
            {
                consumer.StatisticsIntervalMs = KafkaListenerAssignments.StatisticsIntervalMs;
                consumer.GroupId = role.ServiceName;
                // A new consumer group starts at the beginning: nothing published before a service's first start is lost.
                consumer.AutoOffsetReset = AutoOffsetReset.Earliest;
                consumer.AllowAutoCreateTopics = kafka.CreateTopics;
                // librdkafka prefetches up to 64 MB (queued.max.messages.kbytes) per consumer by default, outside the
                // GC's heap and its limit: a service that starts behind a backlog (first start from the earliest
                // offset, after an outage) would hold it all at once. The notification-service has 128 MiB and two
                // consumers (users.events, notifications.requests), the .NET runtime and its heap take ~60-80 MB of
                // it: 4 MB of prefetch per consumer, fetched 1 MiB at a time, keeps both within 10 MB, and a consumer
                // handles far less than 4 MB in one fetch round trip, so it never waits for a fetch.
                // tests/Modular.Tests/Notifications/BacklogMemoryTests.cs runs 20,000 events through a 128 MiB cgroup.
                consumer.QueuedMaxMessagesKbytes = PrefetchKilobytes;
                consumer.QueuedMinMessages = 1000;
                // A partition whose prefetch is full waits this long before it fetches again (librdkafka's default is
                // 1 s): with the small bound above, the default capped a consumer behind a backlog at ~4 MB/s.
                consumer.FetchQueueBackoffMs = 50;
                consumer.FetchMaxBytes = FetchMaxBytes;
                consumer.MaxPartitionFetchBytes = FetchMaxBytes;
                consumer.SessionTimeoutMs = (int)kafka.SessionTimeout.TotalMilliseconds;
                consumer.HeartbeatIntervalMs = (int)Math.Max(100, kafka.SessionTimeout.TotalMilliseconds / 6);
                consumer.FetchWaitMaxMs = (int)kafka.FetchWaitMax.TotalMilliseconds;
            })
            .ConfigureProducers(producer =>
            {
                producer.EnableIdempotence = true;
                producer.Acks = Acks.All;
                producer.LingerMs = 1;
                producer.MessageTimeoutMs = (int)Math.Max(kafka.RequestTimeout.TotalMilliseconds, 30_000);
            });

        foreach (var module in role.Catalog)
        {
            foreach (var type in Requests(module))
            {
                // Only processes without the module send its requests to Kafka (the module's own process invokes
                // its handlers in-process), so the module's service only listens on the topic, through its inbox.
                // A request nobody answered in time is dropped by the receiver instead of acted on after the 504.
                if (!role.Runs(module))
                    opts.PublishMessage(type).ToKafkaTopic(module.RequestsTopic!).SendInline().DeliverWithin(kafka.RequestTimeout);
            }
            foreach (var type in Events(module))
            {
                // Only the module's own process publishes its events; a route elsewhere would make the topic a
                // durable sending endpoint of processes that only listen to it.
                if (role.Runs(module)) opts.PublishMessage(type).ToKafkaTopic(module.EventsTopic!);
            }
        }
        foreach (var key in role.Catalog.Select(m => m.EventsKeyedBy).OfType<string>().Distinct())
            opts.MessagePartitioning.ByPropertyNamed(key);
        opts.Policies.PropagateGroupIdToPartitionKey();

        // One listener per topic, each in its own consumer group: a service's two listeners in one group would each
        // rebalance the other when it joins, and Kafka refuses the other's commits until the group settles (ADR 24).
        // Wolverine's Kafka listener hands a durable inbox every message librdkafka has fetched without waiting for the
        // inbox to keep up (its back-pressure counts only the messages stored and waiting to run), so a service started
        // behind a backlog holds the backlog in memory: a 128 MiB notification-service was OOM-killed after ~3,500 of
        // 20,000 waiting events. A module that needs no inbox to act once reads inline (Notifications: its delivery
        // log, committed with the handler, is the dedupe key, and Kafka's committed offset is the redelivery, ADR 19).
        foreach (var read in role.Modules.SelectMany(m => m.Reads))
        {
            var listener = opts.ListenToKafkaTopic(read.Topic).ExtendConsumerConfiguration(c =>
            {
                c.GroupId = read.Group;
                c.ClientId = KafkaListenerAssignments.ClientIdOf(read.Topic);
            });
            if (read.Inline) listener.ProcessInline();
        }

        if (role.AwaitsReplies)
        {
            // Each such process reads replies on a topic of its own, so a reply always reaches the process that
            // asked, however many replicas share the gateway's work (docs/adr/0003).
            opts.ListenToKafkaTopic(kafka.ReplyTopic)
                .UseForReplies()
                .BufferedInMemory()
                .ExtendConsumerConfiguration(c =>
                {
                    c.GroupId = kafka.ReplyTopic;
                    c.ClientId = KafkaListenerAssignments.ClientIdOf(kafka.ReplyTopic);
                });
            // UseForReplies takes effect only when the endpoint is compiled, and Wolverine fixes the reply address of its
            // senders (the transport's ReplyEndpoint: the listener marked for replies, else the first listener in the
            // hash order of the topic names) as they start, which can be before. For about half of all replica names
            // that was users.events: requests asked for their replies on the events topic, and each reply reached
            // whichever gateway held that partition (504s on a just-started gateway). Marked here, the replies topic is
            // the reply address from the start (tests/Modular.UnitTests/Hosting/ReplyAddressTests.cs).
            opts.Transports.GetOrCreate<KafkaTransport>().Topics[kafka.ReplyTopic].IsUsedForReplies = true;
        }

        opts.DefaultRemoteInvocationTimeout = kafka.RequestTimeout;

        // Each Wolverine Kafka listener holds a thread-pool thread for its lifetime, blocked in the client's synchronous
        // Consume (a Task.Run loop). The pool keeps as many ready threads as cores (one under a 500m limit) and adds one
        // only about every half second while starved: with the loops holding them, request continuations queued behind
        // them (seen as Redis replies that had arrived timing out after 2 s in the pool's queue under a burst). One more
        // ready thread per consumer keeps the loops off the request path's share.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(workers + TopicsRead(role, kafka).Count, completionPorts);
    }

    /// <summary>The consumer groups of the services, with the service that runs each and the topic it reads, whichever process asks.</summary>
    public static IEnumerable<(string Service, string Group, string Topic)> ServiceConsumerGroups(IEnumerable<ModuleDefinition> catalog) =>
        catalog.SelectMany(module => module.Reads.Select(read => (module.ServiceName, read.Group, read.Topic)));

    /// <summary>The topics this process consumes: they must exist before its consumers subscribe.</summary>
    public static IReadOnlyList<string> TopicsRead(HostRole role, KafkaSettings kafka) =>
    [
        .. role.Modules.SelectMany(m => m.Reads).Select(read => read.Topic),
        .. role.AwaitsReplies ? [kafka.ReplyTopic] : Array.Empty<string>(),
    ];

    /// <summary>The topics whose consumers must have joined their groups before this process is ready (check <c>listeners</c>):
    /// its replies topic, and every topic its modules read but those they declare serving without (<see cref="TopicSubscription.GatesReadiness"/>).</summary>
    public static IReadOnlyList<string> TopicsGatingReadiness(HostRole role, KafkaSettings kafka) =>
    [
        .. role.Modules.SelectMany(m => m.Reads).Where(read => read.GatesReadiness).Select(read => read.Topic),
        .. role.AwaitsReplies ? [kafka.ReplyTopic] : Array.Empty<string>(),
    ];

    /// <summary>The topics a module writes to (replies aside): the requests topics it sends to, and its events topic.</summary>
    private static IEnumerable<string> TopicsWritten(ModuleDefinition module) =>
        module.EventsTopic is { } events ? [.. module.SendsTo, events] : module.SendsTo;

    /// <summary>
    /// The topics this process reads or writes, but for the replies topics of gateways it answers (named in each request):
    /// they must exist before its messaging starts.
    /// </summary>
    public static IReadOnlyList<string> TopicsUsed(HostRole role, KafkaSettings kafka) =>
        [.. TopicsRead(role, kafka).Concat(role.Modules.SelectMany(TopicsWritten)).Distinct()];

    /// <summary>How long a topic keeps a message. Events: a week, so a service can be down for days and catch up.
    /// Requests and replies: an hour; each is useless after its REQUEST_TIMEOUT (the receiver drops a late one).</summary>
    public static readonly TimeSpan EventRetention = TimeSpan.FromDays(7);
    public static readonly TimeSpan RequestRetention = TimeSpan.FromHours(1);

    /// <summary>
    /// Every topic the services share, as <c>provision-topics</c> creates it: the requests and events topics of every module
    /// and the topics any module reads or writes. Not the replies topics, one per gateway process, named at its start (docs/adr/0014).
    /// </summary>
    public static IReadOnlyList<TopicSpec> SharedTopics(IEnumerable<ModuleDefinition> catalog)
    {
        var events = catalog.Select(m => m.EventsTopic).OfType<string>().ToHashSet();
        return
        [
            .. catalog.SelectMany(m => new[] { m.RequestsTopic, m.EventsTopic }.OfType<string>()
                    .Concat(m.Reads.Select(read => read.Topic)).Concat(TopicsWritten(m)))
                .Distinct().Order(StringComparer.Ordinal)
                .Select(topic => new TopicSpec(topic, events.Contains(topic) ? EventRetention : RequestRetention)),
        ];
    }

    /// <summary>A gateway's replies topic: one partition (one consumer reads it), kept as briefly as a request.</summary>
    public static TopicSpec ReplyTopicSpec(KafkaSettings kafka) => new(kafka.ReplyTopic, RequestRetention);

    /// <summary>The replies topic of the gateway replica named <paramref name="replica"/> (<c>GATEWAY_REPLICA</c>).</summary>
    public static string ReplyTopicOf(string replica) =>
        ReplicaName().IsMatch(replica)
            ? RepliesPrefix + replica.ToLowerInvariant()
            : throw new FormatException("must be a name of at most 200 letters, digits, '.', '_' or '-' (e.g. the pod name: gateway-0), unique among the running gateways");

    [GeneratedRegex(@"^[a-zA-Z0-9._-]{1,200}$")]
    private static partial Regex ReplicaName();

    internal static string NewReplyTopic() =>
        RepliesPrefix + $"{InvalidTopicCharacters().Replace(Environment.MachineName, "-")}-{Guid.NewGuid().ToString("N")[..8]}".ToLowerInvariant();

    /// <summary>The module's requests: the <see cref="Modular.Contracts.IRequest"/> records of its contracts.</summary>
    public static IEnumerable<Type> Requests(ModuleDefinition module) => Declared<Modular.Contracts.IRequest>(module, module.RequestsTopic);

    /// <summary>The module's events: the <see cref="Modular.Contracts.IEvent"/> records of its contracts.</summary>
    public static IEnumerable<Type> Events(ModuleDefinition module) => Declared<Modular.Contracts.IEvent>(module, module.EventsTopic);

    private static IEnumerable<Type> Declared<TMarker>(ModuleDefinition module, string? topic)
    {
        var types = module.Contracts?.GetExportedTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && type.IsAssignableTo(typeof(TMarker))).ToList() ?? [];
        return types.Count == 0 || topic is not null
            ? types
            : throw new InvalidOperationException(
                $"{module.Name} declares {typeof(TMarker).Name} contracts ({types[0].Name}, ...) but no topic for them in its ModuleDefinition");
    }

    [GeneratedRegex(@"[^a-zA-Z0-9._-]")]
    private static partial Regex InvalidTopicCharacters();
}

/// <summary>A topic as it is provisioned; its partition count and replication factor are the operator's (<c>provision-topics</c>).</summary>
public sealed record TopicSpec(string Name, TimeSpan Retention);
