using Confluent.Kafka;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;

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
/// <param name="CreateTopics"><c>KAFKA_CREATE_TOPICS</c>: <c>true</c> (default: local runs, the test broker) creates a missing topic
/// this process uses, through the broker's auto-creation or the admin API; <c>false</c> (the deployments: the topics are
/// provisioned by <c>provision-topics</c>, docs/adr/0014) never does, and readiness names the missing ones. The gateway's own
/// replies topic, which nobody can know in advance, is created either way.</param>
/// <param name="Security">How the connection to the brokers is secured (<c>KAFKA_SECURITY_PROTOCOL</c>, <c>KAFKA_SASL_*</c>, <c>KAFKA_SSL_CA_LOCATION</c>).</param>
public sealed record KafkaSettings(string Brokers, TimeSpan SessionTimeout, TimeSpan FetchWaitMax, TimeSpan RequestTimeout,
    TimeSpan SendBatchWindow, bool CreateTopics, KafkaSecurity Security) : ModuleTransport(RequestTimeout)
{
    /// <summary>The bootstrap servers and the security settings, for every client this process makes (Wolverine's and its own probes).</summary>
    public T Client<T>(T config) where T : ClientConfig
    {
        config.BootstrapServers = Brokers;
        Apply(config);
        return config;
    }

    /// <summary>Security, and no topic created by a metadata request or a subscription where this process must not create topics.</summary>
    public void Apply(ClientConfig config)
    {
        Security.Apply(config);
        if (!CreateTopics) config.AllowAutoCreateTopics = false;
    }

    /// <summary>
    /// A gateway's own replies topic (see <see cref="MessagingTopology"/>): <c>gateway.replies.&lt;GATEWAY_REPLICA&gt;</c>, the
    /// same topic for every start of that replica (Kubernetes: the StatefulSet's pod name), or, without it, a new topic
    /// for every process start (docs/adr/0020).
    /// </summary>
    public string ReplyTopic { get; init; } = MessagingTopology.NewReplyTopic();

    /// <param name="awaitsReplies">Whether this process runs a module that waits for replies (the gateway): only such a
    /// process reads a replies topic, and <c>GATEWAY_REPLICA</c>, which names it.</param>
    public static KafkaSettings Read(SettingsReader settings, string brokers, bool awaitsReplies = false)
    {
        var kafka = ReadShared(settings, brokers);
        return awaitsReplies && settings.Optional<string?>("GATEWAY_REPLICA", null, MessagingTopology.ReplyTopicOf) is { } topic
            ? kafka with { ReplyTopic = topic }
            : kafka;
    }

    private static KafkaSettings ReadShared(SettingsReader settings, string brokers) => new(
        brokers,
        settings.Optional("KAFKA_SESSION_TIMEOUT", TimeSpan.FromSeconds(45), SettingParsers.Duration),
        settings.Optional("KAFKA_FETCH_WAIT_MAX", TimeSpan.FromMilliseconds(500), SettingParsers.Duration),
        settings.Optional("REQUEST_TIMEOUT", HostRole.DefaultRequestTimeout, SettingParsers.Duration),
        settings.Optional("KAFKA_SEND_BATCH_WINDOW", TimeSpan.FromMilliseconds(10), SettingParsers.Duration),
        settings.Optional("KAFKA_CREATE_TOPICS", true, SettingParsers.Boolean),
        KafkaSecurity.Read(settings));
}

/// <summary>
/// TLS and SASL for a managed or secured Kafka (MSK, Confluent Cloud, Strimzi). <c>KAFKA_SECURITY_PROTOCOL</c>:
/// plaintext (default: the compose broker, the test broker), ssl, sasl_plaintext or sasl_ssl. With SASL:
/// <c>KAFKA_SASL_MECHANISM</c> (SCRAM-SHA-512 by default, SCRAM-SHA-256, PLAIN), <c>KAFKA_SASL_USERNAME</c> and the
/// secret <c>KAFKA_SASL_PASSWORD</c>. With TLS: <c>KAFKA_SSL_CA_LOCATION</c>, a CA file, when the brokers' certificate is
/// not signed by a CA the system trusts. Each is read only where the protocol needs it.
/// </summary>
public sealed record KafkaSecurity(SecurityProtocol Protocol, SaslMechanism? Mechanism, string? Username, string? Password, string? CaLocation)
{
    public static KafkaSecurity Read(SettingsReader settings)
    {
        var protocol = settings.Optional("KAFKA_SECURITY_PROTOCOL", SecurityProtocol.Plaintext, ParseProtocol);
        var sasl = protocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl;
        var tls = protocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl;
        return new KafkaSecurity(
            protocol,
            sasl ? settings.Optional("KAFKA_SASL_MECHANISM", SaslMechanism.ScramSha512, ParseMechanism) : null,
            sasl ? settings.Required("KAFKA_SASL_USERNAME", v => v) : null,
            sasl ? settings.Required("KAFKA_SASL_PASSWORD", v => v, secret: true) : null,
            tls ? settings.Optional("KAFKA_SSL_CA_LOCATION") : null);
    }

    public void Apply(ClientConfig config)
    {
        config.SecurityProtocol = Protocol;
        if (Mechanism is { } mechanism)
        {
            config.SaslMechanism = mechanism;
            config.SaslUsername = Username;
            config.SaslPassword = Password;
        }
        if (CaLocation is not null) config.SslCaLocation = CaLocation;
    }

    /// <summary>The password never appears in a log line, whatever prints this record.</summary>
    public override string ToString() => $"KafkaSecurity {{ Protocol = {Protocol}, Mechanism = {Mechanism}, Username = {Username} }}";

    private static SecurityProtocol ParseProtocol(string value) => value.Trim().ToLowerInvariant() switch
    {
        "plaintext" => SecurityProtocol.Plaintext,
        "ssl" => SecurityProtocol.Ssl,
        "sasl_plaintext" => SecurityProtocol.SaslPlaintext,
        "sasl_ssl" => SecurityProtocol.SaslSsl,
        _ => throw new FormatException("must be one of plaintext, ssl, sasl_plaintext, sasl_ssl"),
    };

    private static SaslMechanism ParseMechanism(string value) => value.Trim().ToUpperInvariant() switch
    {
        "SCRAM-SHA-512" => SaslMechanism.ScramSha512,
        "SCRAM-SHA-256" => SaslMechanism.ScramSha256,
        "PLAIN" => SaslMechanism.Plain,
        _ => throw new FormatException("must be one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN"),
    };
}
