using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Configuration;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// <c>Modular.Host.dll provision-topics</c>: creates the topics the services share (<see cref="MessagingTopology.SharedTopics"/>,
/// so the list is the code's) with the operator's partition count and replication factor and the code's retention, then
/// exits: the Kubernetes Job <c>kafka-topics</c> and the Compose one-shot of the same name run it before the services.
/// Idempotent: a topic that exists is left as it is (a partition count below the one asked for is reported, never
/// changed: more partitions move keys, and so one user's events, to other partitions). Exits 0 when every topic
/// exists, 1 naming those that could not be created, 2 on a bad setting (docs/adr/0014).
/// </summary>
public static class TopicProvisioning
{
    public const string Command = "provision-topics";

    /// <summary><c>Modular.Host.dll list-topics</c>: the names of the topics the services share, one per line, for the
    /// scripts that start a test broker with them (scripts/shared-topics.sh); reads no setting and connects to nothing.</summary>
    public const string ListCommand = "list-topics";

    public static int List(IReadOnlyList<ModuleDefinition> catalog)
    {
        foreach (var topic in MessagingTopology.SharedTopics(catalog)) Console.WriteLine(topic.Name);
        return 0;
    }

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(IReadOnlyList<ModuleDefinition> catalog)
    {
        var settings = new SettingsReader(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        Plan plan;
        try
        {
            plan = Plan.Read(settings);
        }
        catch (InvalidSettingException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        // The same line as the services', for the operator and the manifest drift tests: names, never values.
        Console.WriteLine($"{Command} reads the variables {string.Join(",", settings.VariablesRead)} (secrets: {string.Join(",", settings.SecretsRead)})");

        var config = new AdminClientConfig { BootstrapServers = plan.Brokers };
        plan.Security.Apply(config);
        using var admin = new AdminClientBuilder(config).Build();
        try
        {
            var existing = admin.GetMetadata(Timeout).Topics
                .Where(t => t.Error.Code == ErrorCode.NoError)
                .ToDictionary(t => t.Topic, t => t.Partitions.Count);
            var failed = new List<string>();
            var create = new List<TopicSpecification>();
            foreach (var topic in MessagingTopology.SharedTopics(catalog))
            {
                if (existing.TryGetValue(topic.Name, out var partitions))
                {
                    Console.WriteLine(partitions >= plan.Partitions
                        ? $"{topic.Name}: exists ({partitions} partitions)"
                        : $"{topic.Name}: exists with {partitions} partitions, fewer than KAFKA_TOPIC_PARTITIONS={plan.Partitions}: "
                          + "left as it is (kafka-topics --alter adds partitions, and moves keys to other partitions)");
                    continue;
                }
                create.Add(plan.Specification(topic));
            }

            if (create.Count > 0)
            {
                try
                {
                    await admin.CreateTopicsAsync(create, new CreateTopicsOptions { RequestTimeout = Timeout, OperationTimeout = Timeout });
                    foreach (var topic in create) Console.WriteLine(Created(topic));
                }
                catch (CreateTopicsException e)
                {
                    foreach (var result in e.Results)
                    {
                        var topic = create.Single(t => t.Name == result.Topic);
                        if (result.Error.Code is ErrorCode.NoError) Console.WriteLine(Created(topic));
                        else if (result.Error.Code is ErrorCode.TopicAlreadyExists) Console.WriteLine($"{topic.Name}: exists (created meanwhile)");
                        else
                        {
                            Console.Error.WriteLine($"{topic.Name}: not created: {result.Error.Reason}");
                            failed.Add(topic.Name);
                        }
                    }
                }
                catch (KafkaException e)
                {
                    Console.Error.WriteLine($"{string.Join(", ", create.Select(t => t.Name))}: not created: {e.Error.Reason}");
                    failed.AddRange(create.Select(t => t.Name));
                }
            }

            if (failed.Count == 0)
            {
                Console.WriteLine($"{Command}: every topic exists");
                return 0;
            }
            Console.Error.WriteLine($"{Command}: missing topics {string.Join(", ", failed)}");
            return 1;
        }
        catch (KafkaException e)
        {
            Console.Error.WriteLine($"{Command}: Kafka cannot be reached at {plan.Brokers}: {e.Error.Reason}");
            return 1;
        }
    }

    private static string Created(TopicSpecification topic) =>
        $"{topic.Name}: created ({topic.NumPartitions} partitions, replication factor {topic.ReplicationFactor}, retention.ms {topic.Configs["retention.ms"]})";

    /// <param name="Partitions"><c>KAFKA_TOPIC_PARTITIONS</c> (default 12): the most consumers of one group that share a topic's
    /// work, i.e. the replicas a service scales out to; it cannot be lowered later, and raising it moves keys.</param>
    /// <param name="ReplicationFactor"><c>KAFKA_REPLICATION_FACTOR</c> (default 3): copies of each partition; 1 for a single broker.</param>
    private sealed record Plan(string Brokers, KafkaSecurity Security, int Partitions, short ReplicationFactor)
    {
        public static Plan Read(SettingsReader settings) => new(
            settings.Required("KAFKA_BROKERS", v => v.Trim().Length > 0 ? v.Trim() : throw new FormatException("must name the bootstrap servers")),
            KafkaSecurity.Read(settings),
            settings.Optional("KAFKA_TOPIC_PARTITIONS", 12, SettingParsers.PositiveInt),
            settings.Optional("KAFKA_REPLICATION_FACTOR", (short)3,
                v => SettingParsers.PositiveInt(v) is var n and <= short.MaxValue ? (short)n : throw new FormatException("is too large")));

        public TopicSpecification Specification(TopicSpec topic) => new()
        {
            Name = topic.Name,
            NumPartitions = Partitions,
            ReplicationFactor = ReplicationFactor,
            Configs = new()
            {
                ["retention.ms"] = ((long)topic.Retention.TotalMilliseconds).ToString(),
                ["cleanup.policy"] = "delete",
                // With acks=all (every producer here) a write needs this many copies: one broker may be down.
                ["min.insync.replicas"] = (ReplicationFactor >= 3 ? 2 : 1).ToString(),
            },
        };
    }
}
