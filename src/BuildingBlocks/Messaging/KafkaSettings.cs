using Modular.BuildingBlocks.Configuration;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// How a split-mode process reaches Kafka. The consumer timings default to Kafka's own defaults;
/// the test broker needs shorter ones, so they are configuration, not code.
/// </summary>
/// <param name="Brokers"><c>KAFKA_BROKERS</c>: bootstrap servers.</param>
/// <param name="SessionTimeout"><c>KAFKA_SESSION_TIMEOUT</c>: how long a silent consumer keeps its partitions (default 45s).</param>
/// <param name="FetchWaitMax"><c>KAFKA_FETCH_WAIT_MAX</c>: how long the broker may hold an empty fetch (default 500ms).</param>
/// <param name="RequestTimeout"><c>REQUEST_TIMEOUT</c>: how long the gateway waits for a module's reply before answering 504 (default 5s).</param>
/// <param name="SendBatchWindow"><c>KAFKA_SEND_BATCH_WINDOW</c>: how long a topic's sender gathers outgoing messages (the
/// outbox's events, replies) into one batch before producing them (default 10ms; Wolverine's own default is 250ms). Every
/// such message waits up to this long; keep it above the broker's produce round trip, or a sustained load outruns the
/// sender, which sends one batch at a time to keep each topic's order (docs/adr/0009).</param>
public sealed record KafkaSettings(string Brokers, TimeSpan SessionTimeout, TimeSpan FetchWaitMax, TimeSpan RequestTimeout,
    TimeSpan SendBatchWindow)
{
    /// <summary>This process's own replies topic (see <see cref="MessagingTopology"/>), new for every process start.</summary>
    public string ReplyTopic { get; } = MessagingTopology.NewReplyTopic();

    public static KafkaSettings Read(SettingsReader settings, string brokers) => new(
        brokers,
        settings.Optional("KAFKA_SESSION_TIMEOUT", TimeSpan.FromSeconds(45), SettingParsers.Duration),
        settings.Optional("KAFKA_FETCH_WAIT_MAX", TimeSpan.FromMilliseconds(500), SettingParsers.Duration),
        settings.Optional("REQUEST_TIMEOUT", TimeSpan.FromSeconds(5), SettingParsers.Duration),
        settings.Optional("KAFKA_SEND_BATCH_WINDOW", TimeSpan.FromMilliseconds(10), SettingParsers.Duration));
}
