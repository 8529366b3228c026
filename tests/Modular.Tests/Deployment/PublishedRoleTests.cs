using System.Text.RegularExpressions;
using Modular.BuildingBlocks.Messaging;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Deployment;

/// <summary>
/// Each service of docker/docker-compose.yml and of kubernetes/, run as the published host (pre-generated code,
/// Production) with exactly the environment the deployment gives it. Only where the dependencies live changes
/// (the test run's PostgreSQL, Redis, Kafka test broker and SMTP server instead of the cluster's), and the
/// Kafka timings the test broker needs.
/// </summary>
public sealed partial class PublishedRoleTests
{
    private static readonly string DatabaseUrl = TestEnvironment.DeploymentDatabaseUrl;

    public static TheoryData<string, string> Deployments => new()
    {
        { "compose", "gateway" }, { "compose", "user-service" }, { "compose", "notification-service" },
        { "kubernetes", "gateway" }, { "kubernetes", "user-service" }, { "kubernetes", "notification-service" },
    };

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task the_deployment_sets_exactly_the_variables_its_role_reads_and_its_probes_answer_200(string source, string service)
    {
        var manifest = source == "compose" ? Manifests.Compose(service) : Manifests.Kubernetes(service);
        using var mail = new Mailbox();
        var port = TestEnvironment.FreeTcpPort();
        var environment = new Dictionary<string, string>(manifest.Environment) { ["PORT"] = port.ToString() };
        foreach (var (name, local) in new Dictionary<string, string>
                 {
                     ["KAFKA_BROKERS"] = TestEnvironment.KafkaBrokers,
                     ["DATABASE_URL"] = DatabaseUrl,
                     ["REDIS_URL"] = TestEnvironment.RedisUrl,
                     ["SMTP_URL"] = $"smtp://127.0.0.1:{mail.Port}",
                     // The test broker's timings (TestEnvironment.Split): with Kafka's 45 s, a consumer stopped
                     // while it joins its group holds the group's partitions from the tests after this one.
                     ["KAFKA_SESSION_TIMEOUT"] = "6s",
                     ["KAFKA_FETCH_WAIT_MAX"] = "10ms",
                     // The examples' keys are placeholders, which Production refuses (StartupValidationTests).
                     ["JWT_ACCESS_SECRET"] = TestEnvironment.AccessSecret,
                     ["JWT_REFRESH_SECRET"] = TestEnvironment.RefreshSecret,
                     ["MESSAGE_ENCRYPTION_KEY"] = TestEnvironment.MessageKey,
                 })
            if (environment.ContainsKey(name)) environment[name] = local;

        // A gateway over Kafka is ready once a request to Users comes back (its readiness check "users").
        await using var users = service == "gateway" ? await StartUserServiceAsync(mail.Port) : null;
        await using var host = HostProcess.Start(environment);
        await host.WaitForOutputAsync(" (secrets: ", TimeSpan.FromSeconds(60));
        var read = VariablesLine().Match(host.Output);
        read.Success.ShouldBeTrue(host.Output);

        // No drift: the deployment sets what the code reads, no more (a variable nobody reads) and no less.
        manifest.Environment.Keys.Order().ShouldBe(Names(read, "variables"), $"{manifest}: the variables set vs the variables read");
        var secrets = Names(read, "secrets");
        if (source == "kubernetes")
            manifest.FromSecrets.Order().ShouldBe(secrets, $"{manifest}: the variables taken from the Secret vs the secrets read");
        else
            // Compose takes secrets from the operator's docker/.env; a value written in the file holds no credential.
            foreach (var secret in secrets.Where(s => !manifest.FromSecrets.Contains(s)))
                Uri.TryCreate(manifest.Environment[secret], UriKind.Absolute, out var url).ShouldBeTrue($"{manifest}: {secret} is written in the file");

        // Fit for a container: the GC keeps the heap within 75 % of the memory it may use (the container's limit,
        // here the machine's), instead of all of it.
        var heapLimitMb = double.Parse(HeapLimit().Match(host.Output).Groups["mb"].Value);
        var availableMb = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024);
        (heapLimitMb / availableMb).ShouldBeInRange(0.73, 0.77);

        // Every probe the deployment defines answers 200 once the dependencies are there.
        manifest.HealthPaths.ShouldNotBeEmpty();
        foreach (var path in manifest.HealthPaths)
            await host.WaitUntilHealthyAsync($"http://127.0.0.1:{port}{path}", TimeSpan.FromSeconds(90));
        if (source == "compose")
        {
            // The image's own health check command, as Compose runs it inside the container.
            await using var probe = HostProcess.Start(new Dictionary<string, string> { ["PORT"] = port.ToString() },
                [HealthProbeCommand, .. manifest.HealthPaths]);
            (await probe.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0, probe.Output);
        }

        // Stopped as Docker and Kubernetes stop it: it exits by itself, successfully, within their grace period.
        (await host.TerminateAsync(TimeSpan.FromSeconds(30))).ShouldBe(0, host.Output + host.Errors);
    }

    private static async Task<HostProcess> StartUserServiceAsync(int smtpPort)
    {
        var settings = TestEnvironment.Split("users", smtpPort);
        settings["DATABASE_URL"] = DatabaseUrl;
        return (await HostProcess.StartReadyAsync(settings)).Host;
    }

    public static TheoryData<string> TopicProvisioners => new() { "compose", "kubernetes" };

    [Theory]
    [MemberData(nameof(TopicProvisioners))]
    public async Task the_topics_one_shot_sets_exactly_the_variables_provision_topics_reads_and_leaves_existing_topics_as_they_are(string source)
    {
        var manifest = source == "compose" ? Manifests.Compose(Manifests.TopicsOneShot) : Manifests.Kubernetes(Manifests.TopicsJob);
        // A broker of its own, with exactly the code's topics as a run before this one left them (the test broker has no
        // admin API to create them with: the creation itself is Kafka's, see docs/adr/0014).
        var topics = MessagingTopology.SharedTopics(Program.Modules).Select(t => t.Name).ToList();
        using var broker = await PrivateKafkaBroker.StartAsync(topics, int.Parse(manifest.Environment["KAFKA_TOPIC_PARTITIONS"]));
        var environment = new Dictionary<string, string>(manifest.Environment) { ["KAFKA_BROKERS"] = broker.Brokers };

        await using var run = HostProcess.Start(environment, TopicProvisioning.Command);
        (await run.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, run.Output + run.Errors);

        var read = VariablesLine().Match(run.Output);
        read.Success.ShouldBeTrue(run.Output);
        manifest.Environment.Keys.Order().ShouldBe(Names(read, "variables"), $"{manifest}: the variables set vs the variables read");
        manifest.FromSecrets.Order().ShouldBe(Names(read, "secrets"), $"{manifest}: the variables taken from secrets vs the secrets read");
        foreach (var topic in topics) run.Output.ShouldContain($"{topic}: exists ({manifest.Environment["KAFKA_TOPIC_PARTITIONS"]} partitions)");
        run.Output.ShouldContain($"{TopicProvisioning.Command}: every topic exists");
        broker.Topics().Order().ShouldBe(topics.Order()); // nothing else
    }

    [Fact]
    public async Task list_topics_prints_the_shared_topics_one_per_line_without_any_setting()
    {
        // The list scripts/shared-topics.sh gives the test broker (make test, make split, make bench).
        await using var run = HostProcess.Start(new Dictionary<string, string>(), TopicProvisioning.ListCommand);
        (await run.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, run.Output + run.Errors);
        run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ShouldBe(MessagingTopology.SharedTopics(Program.Modules).Select(t => t.Name));
    }

    private const string HealthProbeCommand = Modular.BuildingBlocks.Hosting.HealthProbe.Command;

    private static IEnumerable<string> Names(Match line, string group) =>
        line.Groups[group].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Order();

    [GeneratedRegex(@"the GC may use (?<mb>\d+) MB")]
    private static partial Regex HeapLimit();

    [GeneratedRegex(@"reads the variables (?<variables>[A-Z0-9_,]+) \(secrets: (?<secrets>[A-Z0-9_,]*)\)")]
    private static partial Regex VariablesLine();
}
