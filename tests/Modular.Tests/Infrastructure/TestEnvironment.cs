using System.Net;
using System.Net.Sockets;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// Where the real services of the test run are: the ones `make test` starts (scripts/services.sh),
/// overridable through the environment it exports.
/// </summary>
public static class TestEnvironment
{
    public static string DatabaseUrl =>
        Environment.GetEnvironmentVariable("TEST_DATABASE_URL") ?? "postgres://modular:modular@127.0.0.1:5432/modular_test";

    /// <summary>
    /// Another database on the same server (scripts/services.sh creates them). Hosts that may run at the
    /// same time must not share one: Wolverine treats every node of one message store as one cluster and
    /// would hand one host's retries and recovered messages to another.
    /// </summary>
    public static string DatabaseUrlFor(string database) =>
        new UriBuilder(DatabaseUrl) { Path = "/" + database }.Uri.ToString();

    /// <summary>The split-mode processes get a database of their own, so the two modes never share state.</summary>
    public static string SplitDatabaseUrl =>
        Environment.GetEnvironmentVariable("TEST_SPLIT_DATABASE_URL") ?? "postgres://modular:modular@127.0.0.1:5432/modular_split_test";

    /// <summary>The processes of the deployment tests (tests/Modular.Tests/Deployment), never alive with the others.</summary>
    public static string DeploymentDatabaseUrl => DatabaseUrlFor("modular_deploy_test");

    /// <summary>The Kafka-protocol test broker that `make test` starts (scripts/kafka-test-broker.sh).</summary>
    public static string KafkaBrokers =>
        Environment.GetEnvironmentVariable("TEST_KAFKA_BROKERS")
        ?? throw new InvalidOperationException("TEST_KAFKA_BROKERS is not set: run the tests with `make test`, which starts the test broker");

    public static string RedisUrl =>
        (Environment.GetEnvironmentVariable("REDIS_URL") ?? "redis://127.0.0.1:6379").TrimEnd('/') + "/15";

    public const string AccessSecret = "test-access-secret-0123456789abcdef0123";
    public const string RefreshSecret = "test-refresh-secret-0123456789abcdef012";
    public const string MessageKey = "test-message-key-0123456789abcdef0123456";
    public const string AdminEmail = "admin@modular.test";

    /// <summary>The variables of a single-process host of the test run, with e-mail going to <paramref name="smtpPort"/>.</summary>
    public static Dictionary<string, string> SingleProcess(int smtpPort) => new()
    {
        ["DATABASE_URL"] = DatabaseUrl,
        ["REDIS_URL"] = RedisUrl,
        ["JWT_ACCESS_SECRET"] = AccessSecret,
        ["JWT_REFRESH_SECRET"] = RefreshSecret,
        ["MESSAGE_ENCRYPTION_KEY"] = MessageKey,
        ["SMTP_URL"] = $"smtp://127.0.0.1:{smtpPort}",
        ["MAIL_FROM"] = "Modular Tests <no-reply@modular.test>",
        ["ADMIN_EMAILS"] = AdminEmail,
        ["MODULES"] = "gateway,users,notifications",
        ["KAFKA_BROKERS"] = "", // in-process, whatever the environment of the test run says
        // Scenarios all come from one client; the rate-limit tests start hosts with small limits of their own.
        ["THROTTLE_LIMIT"] = "100000",
        ["AUTH_THROTTLE_LIMIT"] = "100000",
    };

    /// <summary>How long the test broker keeps a killed consumer in its group (KAFKA_SESSION_TIMEOUT of the split processes).
    /// Short, because the run waits for it often: after each kill, and on each join into a group that has members (the
    /// test broker then waits session timeout - 1 s, docs/performance.md). librdkafka heartbeats from a thread of its
    /// own every sixth of it (500 ms), so a busy thread pool does not end a session.</summary>
    public static readonly TimeSpan KafkaSessionTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The variables of one split-mode service of the test run; <paramref name="modules"/> picks the role.</summary>
    public static Dictionary<string, string> Split(string modules, int smtpPort) => new(SingleProcess(smtpPort))
    {
        ["MODULES"] = modules,
        ["DATABASE_URL"] = SplitDatabaseUrl,
        ["REDIS_URL"] = RedisUrl,
        ["KAFKA_BROKERS"] = KafkaBrokers,
        // The test broker rebalances after a session timeout and holds empty fetches for the full wait.
        ["KAFKA_SESSION_TIMEOUT"] = $"{(int)KafkaSessionTimeout.TotalSeconds}s",
        ["KAFKA_FETCH_WAIT_MAX"] = "10ms",
        ["Logging__LogLevel__Wolverine"] = "Information",
    };

    /// <summary>
    /// A split-mode gateway that a test starts as a process of its own, beside the fixture's, and sends its first
    /// requests to as soon as it is ready. Those tests catch a reply that never comes back to such a gateway, not a
    /// slow one. On the CI runner the first requests of such a gateway went unanswered past 5 s three times and past
    /// 10 s twice (SecurityTrailCrash: the first login answered at once, the second, 100 ms later, not within 10 s),
    /// never here, in the CI's path and test order too, with fresh databases too (cause not found). So its
    /// REQUEST_TIMEOUT is 30 s, and such a test's failed assertion says what each user-service did
    /// (<see cref="SplitApp.DescribeUserServicesAsync"/>).
    /// </summary>
    public static Dictionary<string, string> StartedGateway(int smtpPort) => new(Split("gateway", smtpPort)) { ["REQUEST_TIMEOUT"] = "30s" };

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Modular.sln"))) return dir.FullName;
        throw new InvalidOperationException("Modular.sln not found above " + AppContext.BaseDirectory);
    }
}
