using Microsoft.Extensions.Configuration;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Messaging;
using Modular.Contracts;
using Modular.Notifications;
using Modular.Notifications.Contracts;
using Modular.Users;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.UnitTests.Hosting;

/// <summary>
/// The split topology comes from what each module declares (its <see cref="ModuleDefinition"/>) and from the markers of its
/// contracts: requests and events travel, replies never do, and a fourth module needs nothing but its own definition
/// (docs/adr/0026).
/// </summary>
public sealed class ModuleTopologyTests
{
    [Fact]
    public void the_requests_and_events_of_a_module_are_its_marked_contracts_and_its_replies_travel_nowhere()
    {
        var requests = MessagingTopology.Requests(UsersModule.Definition).ToList();
        var events = MessagingTopology.Events(UsersModule.Definition).ToList();

        requests.ShouldContain(typeof(RegisterUser));
        requests.ShouldContain(typeof(ListSecurityEvents));
        events.ShouldContain(typeof(UserRegistered));
        events.ShouldContain(typeof(UserDeleted));
        Type[] replies = [typeof(UserDetails), typeof(UserResult), typeof(UserPage), typeof(SecurityEventPage), typeof(RequestOrigin)];
        foreach (var reply in replies) requests.Concat(events).ShouldNotContain(reply);
        MessagingTopology.Requests(NotificationsModule.Definition).ShouldBe([typeof(ListEmailsSent)]);
        MessagingTopology.Events(NotificationsModule.Definition).ShouldBeEmpty();
    }

    [Fact]
    public void the_shared_topics_are_those_the_modules_declare_events_kept_a_week()
    {
        MessagingTopology.SharedTopics(Program.Modules).ShouldBe(
        [
            new TopicSpec(NotificationsTopics.Requests, MessagingTopology.RequestRetention),
            new TopicSpec(UsersTopics.Events, MessagingTopology.EventRetention),
            new TopicSpec(UsersTopics.Requests, MessagingTopology.RequestRetention),
        ]);
        MessagingTopology.ServiceConsumerGroups(Program.Modules).ShouldBe(
        [
            ("gateway", "gateway", UsersTopics.Events),
            ("user-service", "user-service", UsersTopics.Requests),
            ("notification-service", "notification-service", UsersTopics.Events),
            ("notification-service", "notification-service.requests", NotificationsTopics.Requests),
        ]);
    }

    /// <summary>The sketch of ADR 26: an Audit module that records what happens to accounts and answers queries about it.</summary>
    private static readonly ModuleDefinition Audit = new("audit", "audit-service")
    {
        Add = (_, _) => { },
        Contracts = typeof(ModuleTopologyTests).Assembly, // its contracts, below
        RequestsTopic = "audit.requests",
        EventsTopic = "audit.events",
        EventsKeyedBy = "UserId",
        Reads = [new(UsersTopics.Events, "audit-service"), new("audit.requests", "audit-service.requests")],
    };

    [Fact]
    public void a_fourth_module_is_its_definition_and_its_contracts()
    {
        IReadOnlyList<ModuleDefinition> catalog = [.. Program.Modules, Audit];

        MessagingTopology.SharedTopics(catalog).Select(t => t.Name)
            .ShouldBe(["audit.events", "audit.requests", NotificationsTopics.Requests, UsersTopics.Events, UsersTopics.Requests]);
        MessagingTopology.SharedTopics(catalog).Single(t => t.Name == "audit.events").Retention.ShouldBe(MessagingTopology.EventRetention);
        MessagingTopology.ServiceConsumerGroups(catalog).ShouldContain(("audit-service", "audit-service", UsersTopics.Events));
        MessagingTopology.Requests(Audit).ShouldBe([typeof(ListAuditEntries)]);
        MessagingTopology.Events(Audit).ShouldBe([typeof(AuditEntryRecorded)]);

        var role = HostRole.Read(Settings(("MODULES", "audit"), ("KAFKA_BROKERS", "kafka:9092")), catalog, KafkaSettings.Read);
        (role.ServiceName, role.AwaitsReplies, role.RunsOwnerOf(typeof(ListAuditEntries)), role.RunsOwnerOf(typeof(GetUser)))
            .ShouldBe(("audit-service", false, true, false));
        HostRole.Read(Settings(), catalog, KafkaSettings.Read).ServiceName.ShouldBe("modular");
    }

    [Theory]
    [InlineData("gateway", "gateway.replies.gateway-2")]
    [InlineData("users", UsersTopics.Requests)]
    [InlineData("notifications", $"{UsersTopics.Events},{NotificationsTopics.Requests}")]
    public void a_process_is_ready_once_the_consumers_of_its_own_work_have_joined_a_gateway_not_waiting_for_users_events(
        string modules, string topics)
    {
        var settings = Settings(("MODULES", modules), ("KAFKA_BROKERS", "kafka:9092"), ("GATEWAY_REPLICA", "gateway-2"));
        var role = HostRole.Read(settings, Program.Modules, KafkaSettings.Read);
        var kafka = KafkaSettings.Read(settings, "kafka:9092", role.AwaitsReplies);

        MessagingTopology.TopicsGatingReadiness(role, kafka).ShouldBe(topics.Split(','));
    }

    [Theory]
    [InlineData("users,gateway", "gateway+user-service")]
    [InlineData("notifications", "notification-service")]
    public void modules_run_in_the_catalogs_order_whatever_the_order_of_the_list(string modules, string serviceName) =>
        HostRole.Read(Settings(("MODULES", modules), ("KAFKA_BROKERS", "kafka:9092")), Program.Modules, KafkaSettings.Read).ServiceName.ShouldBe(serviceName);

    [Fact]
    public void an_unknown_module_is_refused_with_the_names_the_host_knows() =>
        Should.Throw<InvalidSettingException>(() => HostRole.Read(Settings(("MODULES", "gateway,billing")), Program.Modules, KafkaSettings.Read))
            .Message.ShouldContain("must list modules among gateway, users, notifications; 'billing' is not one");

    [Fact]
    public void a_module_with_requests_but_no_requests_topic_is_refused_at_start() =>
        Should.Throw<InvalidOperationException>(() => MessagingTopology.Requests(Audit with { RequestsTopic = null }).ToList())
            .Message.ShouldContain("audit declares IRequest contracts");

    /// <summary>The variables given, beside the message key every process needs.</summary>
    /// <summary>Settings as a process would read them, with the message key every role needs.</summary>
    internal static SettingsReader Settings(params (string Name, string Value)[] values) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(values.Append((Name: "MESSAGE_ENCRYPTION_KEY", Value: "test-message-key-0123456789abcdef0123456"))
            .ToDictionary(v => v.Name, v => (string?)v.Value)).Build());
}

/// <summary>The Audit sketch's contracts: one request, one event, one reply (which travels nowhere).</summary>
public sealed record ListAuditEntries(Guid UserId) : IRequest;

public sealed record AuditEntryRecorded(Guid EntryId, Guid UserId, string What) : IEvent;

public sealed record AuditEntries(IReadOnlyList<AuditEntryRecorded> Items);
