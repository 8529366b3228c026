using Modular.BuildingBlocks.Messaging;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts;
using Modular.Notifications.Contracts;

namespace Modular.Tests.Reliability;

/// <summary>
/// The split topology the fault suite breaks: two gateways, a user-service and a notification-service as processes from
/// the published output, each under the seed's Kubernetes limits where root may set cgroups (gateway and user-service
/// 500m CPU / 256 MiB, notification-service 200m / 128 MiB), on dependencies of its own that a fault may take away
/// without touching the other tests': a Kafka test broker, a Redis server and a database on the shared PostgreSQL.
/// </summary>
public sealed class FaultTopology : IAsyncLifetime
{
    public const string Database = "modular_fault_test";

    public static readonly string DatabaseUrl = TestEnvironment.DatabaseUrlFor(Database);

    public Mailbox Mail { get; } = new();
    public PrivateRedis Redis { get; } = new();
    public PrivateKafkaBroker Broker { get; private set; } = null!;

    public Role Users { get; } = new("users", 500, 256);
    public Role Notifications { get; } = new("notifications", 200, 128);
    public Role[] Gateways { get; } = [new("gateway", 500, 256, "0"), new("gateway", 500, 256, "1")];

    public IEnumerable<Role> Roles => [Users, Notifications, .. Gateways];

    /// <summary>Whether the roles run under their cgroup limits (root and cgroup v1), or without limits.</summary>
    public bool Limited { get; private set; }

    public async Task InitializeAsync()
    {
        Broker = await PrivateKafkaBroker.StartAsync(
            [UsersTopics.Requests, UsersTopics.Events, NotificationsTopics.Requests,
                MessagingTopology.ReplyTopicOf("0"), MessagingTopology.ReplyTopicOf("1")]);
        await Redis.StartAsync();
        Limited = Roles.All(role => role.TryLimit());
        foreach (var role in Roles) await StartAsync(role);
    }

    /// <summary>Starts <paramref name="role"/> (again, after a kill: on the same port) and waits until it is ready.</summary>
    public async Task StartAsync(Role role)
    {
        var settings = TestEnvironment.Split(role.Modules, Mail.Port);
        settings["DATABASE_URL"] = DatabaseUrl;
        settings["REDIS_URL"] = Redis.Url;
        settings["KAFKA_BROKERS"] = Broker.Brokers;
        settings["PORT"] = role.Port.ToString();
        if (role.Replica is { } replica) settings["GATEWAY_REPLICA"] = replica;
        role.Process = role.Cgroup is { } cgroup ? HostProcess.StartInCgroup(settings, cgroup) : HostProcess.Start(settings);
        await role.Process.WaitUntilHealthyAsync($"{role.Url}/health/ready", TimeSpan.FromSeconds(120));
    }

    public async Task DisposeAsync()
    {
        foreach (var role in Roles) await role.DisposeAsync();
        Broker?.Dispose();
        Redis.Dispose();
        Mail.Dispose();
    }

    /// <summary>One process of the topology, with the port and the limits it keeps across restarts.</summary>
    public sealed class Role(string modules, int cpuMillis, int memoryMiB, string? replica = null) : IAsyncDisposable
    {
        public string Modules { get; } = modules;
        public string? Replica { get; } = replica;
        public int Port { get; } = TestEnvironment.FreeTcpPort();
        public string Url => $"http://127.0.0.1:{Port}";
        public string Name => Replica is null ? $"{Modules}-service" : $"gateway {Replica}";
        public HostProcess Process { get; set; } = null!;
        public ResourceCgroup? Cgroup { get; private set; }

        /// <summary>The peak memory of the role's processes so far, in MiB, or null without a cgroup.</summary>
        public long? PeakMiB => Cgroup?.PeakBytes / (1024 * 1024);

        public int MemoryLimitMiB => memoryMiB;

        public int? OomKills => Cgroup?.OomKills;

        internal bool TryLimit()
        {
            try
            {
                Cgroup = ResourceCgroup.Create($"fault-{Name.Replace(' ', '-')}", memoryMiB * 1024L * 1024, cpuMillis);
                return true;
            }
            catch (InvalidOperationException)
            {
                return false; // not root, or no cgroup v1: the suite still runs, and its report says so
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Process is not null) await Process.DisposeAsync();
            Cgroup?.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultTopology>
{
    public const string Name = "faults";
}
