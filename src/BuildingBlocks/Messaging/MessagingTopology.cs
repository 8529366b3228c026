using System.Reflection;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks.Hosting;
using Module = Modular.BuildingBlocks.Hosting.Module;
using Wolverine;
using Wolverine.Kafka;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// Where cross-module messages flow when the modules run in different processes (<c>KAFKA_BROKERS</c> set).
/// In one process the same messages go through Wolverine's durable local queues and none of this applies.
/// <code>
/// topic                         carries                                                written by            read by (consumer group)
/// users.requests                requests to Users: types in Modular.Users.Contracts    gateway               user-service
/// users.events                  events of Users: Modular.Users.Contracts.Events,       user-service (outbox) notification-service,
///                               keyed by UserId so one user's events stay in order                           gateway (its read model)
/// notifications.requests        requests to Notifications: Modular.Notifications.Contracts  gateway          notification-service
/// gateway.replies.{replica}     replies to one gateway replica (GATEWAY_REPLICA)       any service           that replica only
/// </code>
/// The rule behind the first two rows is a convention for every module M: types in <c>Modular.M.Contracts</c>
/// go to <c>m.requests</c>, types in <c>Modular.M.Contracts.Events</c> to <c>m.events</c>.
/// </summary>
public static partial class MessagingTopology
{
    public const string UserRequests = "users.requests";
    public const string UserEvents = "users.events";
    public const string NotificationRequests = "notifications.requests";
    public const string RepliesPrefix = "gateway.replies.";

    /// <summary>
    /// What each module reads: one listener per topic, each with a consumer group of its own (a service's two
    /// listeners in one group would each rebalance the other when it joins, and Kafka refuses the other's commits
    /// until the group settles: docs/adr/0024), and whether the listener handles each message before reading the next
    /// (<c>Inline</c>) instead of storing it in the durable inbox first.
    /// Wolverine's Kafka listener hands a durable inbox every message librdkafka has fetched without waiting for the
    /// inbox to keep up (its back-pressure counts only the messages stored and waiting to run), so a service started
    /// behind a backlog holds the backlog in memory: a 128 MiB notification-service was OOM-killed after ~3,500 of
    /// 20,000 waiting events. Notifications needs no inbox to send nothing twice: its delivery log, committed with the
    /// handler, is the dedupe key, and Kafka's committed offset is the redelivery (ADR 19).
    /// </summary>
    private static readonly Subscription[] Reads =
    [
        new(Module.Gateway, UserEvents, "gateway", Inline: false),
        new(Module.Users, UserRequests, "user-service", Inline: false),
        new(Module.Notifications, UserEvents, "notification-service", Inline: true),
        new(Module.Notifications, NotificationRequests, "notification-service.requests", Inline: true),
    ];

    private sealed record Subscription(Module Module, string Topic, string Group, bool Inline);

    /// <summary>The most a consumer holds fetched but not yet handled (see the consumer configuration below).</summary>
    public const int PrefetchKilobytes = 4 * 1024;

    /// <summary>The most one fetch returns (above the default message.max.bytes of 1,000,000, so every message fits).</summary>
    public const int FetchMaxBytes = 1024 * 1024;

    /// <summary>Every property that names the user a message is about; it keys the message's partition.</summary>
    private const string PartitionProperty = "UserId";

    public static void UseKafkaTopology(this WolverineOptions opts, HostRole role, KafkaSettings kafka)
    {
        // The readiness check "listeners" (ModularHost): every listener's consumer has joined its group.
        var assignments = new KafkaListenerAssignments(TopicsRead(role, kafka).Count);
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

        foreach (var type in ContractTypes())
        {
            var (module, isEvent) = Classify(type);
            if (isEvent)
            {
                // Only the module's own process publishes its events; a route elsewhere would make the topic a
                // durable sending endpoint of processes that only listen to it.
                if (RunsModule(role, module)) opts.PublishMessage(type).ToKafkaTopic(TopicName(module, isEvent));
            }
            else if (!RunsModule(role, module))
            {
                // Only processes without the module send its requests to Kafka (the module's own process invokes
                // its handlers in-process), so the module's service only listens on the topic, through its inbox.
                // A request nobody answered in time is dropped by the receiver instead of acted on after the 504.
                opts.PublishMessage(type).ToKafkaTopic(TopicName(module, isEvent)).SendInline().DeliverWithin(kafka.RequestTimeout);
            }
        }
        opts.MessagePartitioning.ByPropertyNamed(PartitionProperty);
        opts.Policies.PropagateGroupIdToPartitionKey();

        foreach (var read in Reads.Where(r => role.Runs(r.Module)))
        {
            var listener = opts.ListenToKafkaTopic(read.Topic).ExtendConsumerConfiguration(c => c.GroupId = read.Group);
            if (read.Inline) listener.ProcessInline();
        }

        if (role.Runs(Module.Gateway))
        {
            // Each gateway process reads replies on a topic of its own, so a reply always reaches the
            // process that asked, however many replicas share the gateway's work (docs/adr/0003).
            opts.ListenToKafkaTopic(kafka.ReplyTopic)
                .UseForReplies()
                .BufferedInMemory()
                .ExtendConsumerConfiguration(c => c.GroupId = kafka.ReplyTopic);
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
    public static IEnumerable<(string Service, string Group, string Topic)> ServiceConsumerGroups =>
        Reads.Select(read => (HostRole.ServiceNameOf(read.Module), read.Group, read.Topic));

    /// <summary>The topics this process consumes: they must exist before its consumers subscribe.</summary>
    public static IReadOnlyList<string> TopicsRead(HostRole role, KafkaSettings kafka) =>
    [
        .. Reads.Where(read => role.Runs(read.Module)).Select(read => read.Topic),
        .. role.Runs(Module.Gateway) ? [kafka.ReplyTopic] : Array.Empty<string>(),
    ];

    /// <summary>The topics each module writes to (replies aside): the gateway sends the requests, Users publishes its events.</summary>
    private static readonly Dictionary<Module, string[]> Writes = new()
    {
        [Module.Gateway] = [UserRequests, NotificationRequests],
        [Module.Users] = [UserEvents],
        [Module.Notifications] = [],
    };

    /// <summary>
    /// The topics this process reads or writes, but for the replies topics of gateways it answers (named in each request):
    /// they must exist before its messaging starts.
    /// </summary>
    public static IReadOnlyList<string> TopicsUsed(HostRole role, KafkaSettings kafka) =>
    [
        .. TopicsRead(role, kafka)
            .Concat(role.Modules.SelectMany(m => Writes.TryGetValue(m, out var topics) ? topics : []))
            .Distinct(),
    ];

    /// <summary>How long a topic keeps a message. Events: a week, so a service can be down for days and catch up.
    /// Requests and replies: an hour; each is useless after its REQUEST_TIMEOUT (the receiver drops a late one).</summary>
    public static readonly TimeSpan EventRetention = TimeSpan.FromDays(7);
    public static readonly TimeSpan RequestRetention = TimeSpan.FromHours(1);

    /// <summary>
    /// Every topic the services share, as <c>provision-topics</c> creates it: the requests and events topics of every module
    /// and the topics any service reads. Not the replies topics, one per gateway process, named at its start (docs/adr/0014).
    /// </summary>
    public static IReadOnlyList<TopicSpec> SharedTopics() =>
    [
        .. ContractTypes().Select(Classify).Select(c => TopicName(c.Module, c.IsEvent))
            .Concat(Reads.Select(read => read.Topic))
            .Concat(Writes.Values.SelectMany(topics => topics))
            .Distinct().Order(StringComparer.Ordinal)
            .Select(topic => new TopicSpec(topic, topic.EndsWith(".events", StringComparison.Ordinal) ? EventRetention : RequestRetention)),
    ];

    /// <summary>A gateway's replies topic: one partition (one consumer reads it), kept as briefly as a request.</summary>
    public static TopicSpec ReplyTopicSpec(KafkaSettings kafka) => new(kafka.ReplyTopic, RequestRetention);

    private static bool RunsModule(HostRole role, string module) =>
        Enum.TryParse<Module>(module, ignoreCase: true, out var m) && role.Runs(m);

    private static string TopicName(string module, bool isEvent) => $"{module}.{(isEvent ? "events" : "requests")}";

    /// <summary>The replies topic of the gateway replica named <paramref name="replica"/> (<c>GATEWAY_REPLICA</c>).</summary>
    public static string ReplyTopicOf(string replica) =>
        ReplicaName().IsMatch(replica)
            ? RepliesPrefix + replica.ToLowerInvariant()
            : throw new FormatException("must be a name of at most 200 letters, digits, '.', '_' or '-' (e.g. the pod name: gateway-0), unique among the running gateways");

    [GeneratedRegex(@"^[a-zA-Z0-9._-]{1,200}$")]
    private static partial Regex ReplicaName();

    internal static string NewReplyTopic() =>
        RepliesPrefix + $"{InvalidTopicCharacters().Replace(Environment.MachineName, "-")}-{Guid.NewGuid().ToString("N")[..8]}".ToLowerInvariant();

    /// <summary>The message records of every <c>Modular.*.Contracts</c> assembly beside the host.</summary>
    private static IEnumerable<Type> ContractTypes() =>
        Directory.GetFiles(AppContext.BaseDirectory, "Modular.*.Contracts.dll")
            .Select(path => Assembly.Load(AssemblyName.GetAssemblyName(path)))
            .SelectMany(assembly => assembly.GetExportedTypes())
            .Where(type => type is { IsClass: true, IsAbstract: false } && ContractNamespace().IsMatch(type.Namespace ?? ""));

    private static (string Module, bool IsEvent) Classify(Type type)
    {
        var match = ContractNamespace().Match(type.Namespace!);
        return (match.Groups["module"].Value.ToLowerInvariant(), match.Groups["events"].Success);
    }

    [GeneratedRegex(@"^Modular\.(?<module>\w+)\.Contracts(?<events>\.Events)?$")]
    private static partial Regex ContractNamespace();

    [GeneratedRegex(@"[^a-zA-Z0-9._-]")]
    private static partial Regex InvalidTopicCharacters();
}

/// <summary>A topic as it is provisioned; its partition count and replication factor are the operator's (<c>provision-topics</c>).</summary>
public sealed record TopicSpec(string Name, TimeSpan Retention);
