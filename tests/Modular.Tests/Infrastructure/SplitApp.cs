using System.Text;
using Alba;
using Modular.Gateway;
using Modular.BuildingBlocks.Hosting;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// The split topology scaled out as KEDA and the HPA would: two user-services and two notification-services as OS
/// processes started from the built output, each pair one consumer group sharing the topics' partitions, and two gateway
/// replicas (Alba hosts in this process), all routed through the Kafka test broker.
/// </summary>
public sealed class SplitApp : ModularApp
{
    /// <summary>How many processes run each service.</summary>
    public const int ServiceReplicas = 2;

    private readonly List<IAlbaHost> _gateways = [];
    private readonly Dictionary<string, HostProcess[]> _services = [];
    private readonly Dictionary<string, string[]> _urls = [];

    public IReadOnlyList<HostProcess> UserServices => _services["users"];
    public IReadOnlyList<HostProcess> NotificationServices => _services["notifications"];

    public override IReadOnlyList<IAlbaHost> Gateways => _gateways;

    public override string[] GatewayDependencies => ["started", "redis", "kafka", "listeners", "users"];

    public override string DatabaseUrl => TestEnvironment.SplitDatabaseUrl;

    /// <summary>Where the fixture's services and gateways export their traces (OTLP).</summary>
    public OtlpReceiver Traces { get; } = new();

    public override async Task InitializeAsync()
    {
        foreach (var modules in new[] { "users", "notifications" })
        {
            _services[modules] = new HostProcess[ServiceReplicas];
            _urls[modules] = new string[ServiceReplicas];
        }

        await StartStoppedReplicasAsync("users");
        await StartStoppedReplicasAsync("notifications");
        for (var replica = 0; replica < 2; replica++)
            _gateways.Add(await StartGatewayAsync(Traced(TestEnvironment.Split("gateway", Mail.Port))));
        await WaitUntilRequestsFlowAsync();
    }

    private Dictionary<string, string> Traced(Dictionary<string, string> settings)
    {
        foreach (var (name, value) in Traces.Settings) settings[name] = value;
        return settings;
    }

    /// <summary>
    /// Starts every replica of the service of <paramref name="modules"/> that is not running, together (so they join
    /// their consumer group in one rebalance), and waits until each is ready.
    /// </summary>
    private Task StartStoppedReplicasAsync(string modules) =>
        Task.WhenAll(Enumerable.Range(0, ServiceReplicas)
            .Where(replica => _services[modules][replica] is not { HasExited: false })
            .Select(async replica =>
            {
                var (process, url) = await HostProcess.StartReadyAsync(Traced(TestEnvironment.Split(modules, Mail.Port)));
                _services[modules][replica] = process;
                _urls[modules][replica] = url;
            }));

    /// <summary>
    /// A gateway's scrape, or the scrapes of every running replica of a service together: a counter sums over the
    /// replicas, as Prometheus' <c>sum</c> would; a gauge that every process reports alike (the consumer lag) is
    /// repeated per replica, so read the lag from a gateway.
    /// </summary>
    public override async Task<Scrape> ScrapeAsync(ModuleDefinition module)
    {
        if (module == GatewayModule.Definition) return await ScrapeAsync(Gateway);
        var modules = module.ToString().ToLowerInvariant();
        using var http = new HttpClient();
        var texts = await Task.WhenAll(Enumerable.Range(0, ServiceReplicas)
            .Where(replica => !_services[modules][replica].HasExited)
            .Select(replica => http.GetStringAsync($"{_urls[modules][replica]}/metrics")));
        return new Scrape(string.Join("\n", texts));
    }

    /// <summary>
    /// What each user-service replica has handled and how long it took, with the consumer lag of each users.requests
    /// partition and the replicas' last warnings: for the message of a failed assertion about a reply that never came,
    /// it says whether the request was never consumed (lag), handled slowly (seconds), failed, or handled and its reply lost.
    /// </summary>
    public async Task<string> DescribeUserServicesAsync()
    {
        var report = new StringBuilder("user-services:\n");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var replica = 0; replica < ServiceReplicas; replica++)
        {
            var process = UserServices[replica];
            report.Append($"- replica {replica} (pid {process.Id}, log {process.LogFile})");
            if (process.HasExited)
            {
                report.AppendLine(" exited");
                continue;
            }
            try
            {
                var scrape = new Scrape(await http.GetStringAsync($"{_urls["users"][replica]}/metrics"));
                report.AppendLine();
                foreach (var name in new[] { "modular_messages_handled_total", "modular_messages_failed_total", "modular_message_handling_seconds_sum" })
                    report.AppendLine($"  {name}: " + string.Join(", ", scrape.Matching(name)
                        .Select(s => $"{string.Join("/", s.Labels.Values)}={s.Value:0.###}")));
                if (replica == 0)
                    // Committed offsets: librdkafka commits every 5 s, so a lag of a message or two may be one handled since.
                    report.AppendLine("  users.requests lag per partition (committed): " + string.Join(", ",
                        scrape.Matching("modular_kafka_consumer_lag", ("topic", "users.requests")).Select(s => $"{s.Labels["partition"]}={s.Value}")));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                report.AppendLine($" /metrics did not answer: {e.Message}");
            }
            foreach (var warning in process.Output.Split('\n').Where(l => l.Contains("\"LogLevel\":\"Warning\"") || l.Contains("\"LogLevel\":\"Error\"")).TakeLast(3))
                report.AppendLine("  " + (warning.Length > 400 ? warning[..400] : warning));
        }
        return report.ToString();
    }

    /// <summary>What the user-services did, then the log of <paramref name="gateway"/>: for the message of a failed
    /// assertion about a request through a gateway process that a test started.</summary>
    public async Task<string> DescribeRequestThroughAsync(HostProcess gateway) =>
        $"{await DescribeUserServicesAsync()}gateway log ({gateway.LogFile}):\n{gateway.LogTail()}";

    /// <summary>Kills every notification-service (SIGKILL): no graceful shutdown, as a crash would end them.</summary>
    public Task StopNotificationServiceAsync() => Task.WhenAll(NotificationServices.Select(s => s.KillAsync()));

    public Task StartNotificationServiceAsync() => StartStoppedReplicasAsync("notifications");

    /// <summary>Kills one notification-service (SIGKILL); the other takes its partitions once its session times out.</summary>
    public Task KillNotificationServiceReplicaAsync(int replica) => NotificationServices[replica].KillAsync();

    /// <summary>Kills every user-service (SIGKILL).</summary>
    public Task StopUserServiceAsync() => Task.WhenAll(UserServices.Select(s => s.KillAsync()));

    /// <summary>Starts the user-services that are not running and waits until requests reach them from every gateway.</summary>
    public async Task StartUserServiceAsync()
    {
        await StartStoppedReplicasAsync("users");
        await WaitUntilRequestsFlowAsync();
    }

    /// <summary>
    /// Starts the first user-service replica and returns at once, with its base URL: the caller watches it become ready
    /// (stop the user-services first; <see cref="StartUserServiceAsync"/> brings back the other).
    /// </summary>
    public (HostProcess Process, string Url) LaunchUserService()
    {
        var settings = Traced(TestEnvironment.Split("users", Mail.Port));
        settings["PORT"] = TestEnvironment.FreeTcpPort().ToString();
        var process = _services["users"][0] = HostProcess.Start(settings);
        return (process, _urls["users"][0] = $"http://127.0.0.1:{settings["PORT"]}");
    }

    /// <summary>
    /// Ready means a request goes through Kafka to user-service and back to each gateway: consumer groups
    /// have their partitions. A login for an unknown account is that round trip, with no side effects.
    /// </summary>
    private async Task WaitUntilRequestsFlowAsync()
    {
        foreach (var gateway in _gateways)
        {
            var result = await Eventually.ReadAsync(() => gateway.Scenario(s =>
            {
                s.Post.Json(new { email = "nobody@warm.up", password = "not a password" }).ToUrl("/api/v1/auth/login");
                s.IgnoreStatusCode();
            }), r => r.Context.Response.StatusCode == 401, TimeSpan.FromSeconds(90));
            if (result.Context.Response.StatusCode != 401)
                throw new TimeoutException($"requests do not flow: {result.Context.Response.StatusCode} {result.ReadAsText()}\n" +
                    $"user-services:\n{string.Join("\n", UserServices.Select(u => u.Output + u.Errors))}");
        }
    }

    public override Task<IAlbaHost> StartGatewayAsync(Action<Dictionary<string, string>> change)
    {
        var settings = TestEnvironment.Split("gateway", Mail.Port);
        change(settings);
        return StartGatewayAsync(settings);
    }

    public override async Task DisposeAsync()
    {
        foreach (var gateway in _gateways) await gateway.DisposeAsync();
        foreach (var service in _services.Values.SelectMany(replicas => replicas)) await service.DisposeAsync();
        Mail.Dispose();
        Traces.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SplitCollection : ICollectionFixture<SplitApp>
{
    public const string Name = "split";
}
