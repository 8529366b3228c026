using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Messaging;

namespace Modular.UnitTests.Hosting;

/// <summary>How a process reaches Kafka: TLS and SASL towards a managed Kafka (read only where the protocol needs them, applied
/// to every client), and the name of a gateway replica's replies topic.</summary>
public sealed class KafkaSettingsTests
{
    /// <summary>The variables given; a name given twice takes its last value.</summary>
    private static SettingsReader Settings(params (string Name, string Value)[] values) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(values.GroupBy(v => v.Name).ToDictionary(g => g.Key, g => (string?)g.Last().Value)).Build());

    [Fact]
    public void sasl_ssl_sets_the_mechanism_the_credentials_and_the_ca_on_a_client()
    {
        var settings = Settings(("KAFKA_SECURITY_PROTOCOL", "sasl_ssl"), ("KAFKA_SASL_USERNAME", "modular"),
            ("KAFKA_SASL_PASSWORD", "kafka-password-1"), ("KAFKA_SSL_CA_LOCATION", "/etc/kafka/ca.pem"));
        var kafka = KafkaSettings.Read(settings, "broker-1:9096");

        var config = kafka.Client(new ProducerConfig());

        (config.BootstrapServers, config.SecurityProtocol, config.SaslMechanism, config.SaslUsername, config.SaslPassword, config.SslCaLocation)
            .ShouldBe(("broker-1:9096", SecurityProtocol.SaslSsl, SaslMechanism.ScramSha512, "modular", "kafka-password-1", "/etc/kafka/ca.pem"));
        settings.SecretsRead.ShouldContain("KAFKA_SASL_PASSWORD");
        kafka.ToString().ShouldNotContain("kafka-password-1");
    }

    [Fact]
    public void plaintext_is_the_default_and_reads_no_credentials()
    {
        var settings = Settings();
        var config = KafkaSettings.Read(settings, "kafka:29092").Client(new ConsumerConfig());

        config.SecurityProtocol.ShouldBe(SecurityProtocol.Plaintext);
        config.SaslUsername.ShouldBeNull();
        settings.VariablesRead.ShouldNotContain("KAFKA_SASL_USERNAME");
        settings.VariablesRead.ShouldContain("KAFKA_SECURITY_PROTOCOL");
    }

    [Theory]
    [InlineData("KAFKA_SECURITY_PROTOCOL", "tls")]
    [InlineData("KAFKA_SASL_MECHANISM", "GSSAPI")]
    public void an_unknown_protocol_or_mechanism_names_its_variable(string variable, string value)
    {
        var settings = Settings(("KAFKA_SECURITY_PROTOCOL", "sasl_plaintext"), ("KAFKA_SASL_USERNAME", "u"), ("KAFKA_SASL_PASSWORD", "p"), (variable, value));

        Should.Throw<InvalidSettingException>(() => KafkaSettings.Read(settings, "kafka:29092")).Variable.ShouldBe(variable);
    }

    [Fact]
    public void sasl_without_a_password_is_refused()
    {
        var settings = Settings(("KAFKA_SECURITY_PROTOCOL", "sasl_ssl"), ("KAFKA_SASL_USERNAME", "modular"));

        Should.Throw<InvalidSettingException>(() => KafkaSettings.Read(settings, "kafka:29092")).Variable.ShouldBe("KAFKA_SASL_PASSWORD");
    }

    [Fact]
    public void a_gateway_named_by_GATEWAY_REPLICA_reads_its_replies_on_that_replicas_topic_at_every_start()
    {
        var settings = Settings(("GATEWAY_REPLICA", "Gateway-0"));
        KafkaSettings.Read(settings, "kafka:29092", awaitsReplies: true).ReplyTopic.ShouldBe("gateway.replies.gateway-0");
        KafkaSettings.Read(settings, "kafka:29092", awaitsReplies: true).ReplyTopic.ShouldBe("gateway.replies.gateway-0");
        // Without it, a topic of its own for every process start; a service reads no replies and not the variable.
        KafkaSettings.Read(Settings(), "kafka:29092", awaitsReplies: true).ReplyTopic
            .ShouldNotBe(KafkaSettings.Read(Settings(), "kafka:29092", awaitsReplies: true).ReplyTopic);
        var service = Settings(("GATEWAY_REPLICA", "gateway-0"));
        KafkaSettings.Read(service, "kafka:29092").ReplyTopic.ShouldNotBe("gateway.replies.gateway-0");
        service.VariablesRead.ShouldNotContain("GATEWAY_REPLICA");
    }

    [Theory]
    [InlineData("gateway 0")]
    [InlineData("gateway/0")]
    public void a_GATEWAY_REPLICA_that_is_no_topic_name_stops_the_start(string value) =>
        Should.Throw<InvalidSettingException>(() => KafkaSettings.Read(Settings(("GATEWAY_REPLICA", value)), "kafka:29092", awaitsReplies: true))
            .Variable.ShouldBe("GATEWAY_REPLICA");
}
