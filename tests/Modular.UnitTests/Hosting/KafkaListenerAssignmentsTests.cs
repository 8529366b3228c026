using Microsoft.Extensions.Diagnostics.HealthChecks;
using Modular.BuildingBlocks.Messaging;

namespace Modular.UnitTests.Hosting;

/// <summary>Which librdkafka statistics say a consumer has joined its group (the readiness check <c>listeners</c>).</summary>
public sealed class KafkaListenerAssignmentsTests
{
    // The part of librdkafka's statistics that the check reads (STATISTICS.md: cgrp.state, cgrp.join_state).
    private static string Statistics(string state, string join) =>
        $$$"""{"name":"rdkafka#consumer-1","type":"consumer","cgrp":{"state":"{{{state}}}","stateage":120,"join_state":"{{{join}}}","rebalance_cnt":1,"assignment_size":4}}""";

    [Fact]
    public void a_consumer_up_in_its_group_with_its_assignment_in_effect_has_joined()
    {
        KafkaListenerAssignments.HasJoined(Statistics("up", "steady")).ShouldBeTrue();
    }

    [Theory]
    [InlineData("up", "wait-join")]
    [InlineData("up", "wait-sync")]
    [InlineData("up", "wait-assign-call")]
    [InlineData("wait-coord", "init")]
    [InlineData("query-coord", "init")]
    public void a_consumer_still_finding_its_coordinator_or_rebalancing_has_not(string state, string join)
    {
        KafkaListenerAssignments.HasJoined(Statistics(state, join)).ShouldBeFalse();
    }

    [Fact]
    public void statistics_without_a_group_say_not_joined()
    {
        KafkaListenerAssignments.HasJoined("""{"name":"rdkafka#producer-1","type":"producer"}""").ShouldBeFalse();
    }

    [Fact]
    public void statistics_name_the_consumer_by_its_client_id()
    {
        var statistics = """{"name":"modular.users.requests#consumer-2","client_id":"modular.users.requests","type":"consumer","cgrp":{"state":"up","join_state":"steady"}}""";
        KafkaListenerAssignments.Read(statistics).ShouldBe((KafkaListenerAssignments.ClientIdOf("users.requests"), true));
    }

    [Fact]
    public async Task a_process_is_ready_once_the_consumers_it_serves_by_have_joined_whatever_the_others_do()
    {
        var replies = KafkaListenerAssignments.ClientIdOf("gateway.replies.gateway-2");
        var assignments = new KafkaListenerAssignments([replies]);

        (await assignments.CheckHealthAsync(new(), CancellationToken.None)).Status.ShouldBe(HealthStatus.Unhealthy);
        assignments.Joined(KafkaListenerAssignments.ClientIdOf("users.events")).ShouldBeFalse();
        (await assignments.CheckHealthAsync(new(), CancellationToken.None)).Status.ShouldBe(HealthStatus.Unhealthy);
        assignments.Joined(replies).ShouldBeTrue();
        (await assignments.CheckHealthAsync(new(), CancellationToken.None)).Status.ShouldBe(HealthStatus.Healthy);
    }
}
