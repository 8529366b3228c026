using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Messaging;
using Wolverine;
using Wolverine.Kafka.Internals;

namespace Modular.UnitTests.Hosting;

/// <summary>
/// The reply address a gateway writes on its requests is its own replies topic, whatever the replica's name. Wolverine
/// takes it from the transport's listeners when the senders start: with the replies listener not yet marked, it was the
/// first listener in the hash order of the topic names, users.events for about half of all names, and the replies went
/// to whichever gateway held that partition of the events topic (504s on a gateway that had just become ready).
/// </summary>
public sealed class ReplyAddressTests
{
    [Fact]
    public void a_gateway_asks_for_its_replies_on_its_own_replies_topic_whatever_its_replica_name()
    {
        var wrong = new List<string>();
        for (var start = 0; start < 40; start++)
        {
            var replica = $"gateway-{Guid.NewGuid():N}"[..16];
            var kafka = ConfiguredKafka(("MODULES", "gateway"), ("GATEWAY_REPLICA", replica));
            var reply = kafka.ReplyEndpoint()?.Uri.ToString();
            if (reply != $"kafka://topic/gateway.replies.{replica}") wrong.Add($"{replica}: {reply}");
        }
        wrong.ShouldBeEmpty();
    }

    private static KafkaTransport ConfiguredKafka(params (string Name, string Value)[] values)
    {
        var role = HostRole.Read(ModuleTopologyTests.Settings([.. values, ("KAFKA_BROKERS", "kafka:9092")]), Program.Modules, KafkaSettings.Read);
        var opts = new WolverineOptions();
        opts.UseKafkaTopology(role, (KafkaSettings)role.Transport!);
        return opts.Transports.GetOrCreate<KafkaTransport>();
    }
}
