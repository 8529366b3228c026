using Alba;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// The split topology: user-service and notification-service as OS processes started from the built
/// output, two gateway replicas (Alba hosts in this process), all routed through the Kafka test broker.
/// </summary>
public sealed class SplitApp : ModularApp
{
    private readonly List<IAlbaHost> _gateways = [];

    public HostProcess UserService { get; private set; } = null!;
    public HostProcess NotificationService { get; private set; } = null!;

    public override IReadOnlyList<IAlbaHost> Gateways => _gateways;

    public override string[] GatewayDependencies => ["started", "redis", "kafka", "listeners", "users"];

    public override string DatabaseUrl => TestEnvironment.SplitDatabaseUrl;

    /// <summary>Where the fixture's services and gateways export their traces (OTLP).</summary>
    public OtlpReceiver Traces { get; } = new();

    public override async Task InitializeAsync()
    {
        UserService = await StartServiceAsync("users");
        NotificationService = await StartServiceAsync("notifications");
        for (var replica = 0; replica < 2; replica++)
            _gateways.Add(await StartGatewayAsync(Traced(TestEnvironment.Split("gateway", Mail.Port))));
        await WaitUntilRequestsFlowAsync();
    }

    private readonly Dictionary<string, string> _urls = [];

    private Dictionary<string, string> Traced(Dictionary<string, string> settings)
    {
        foreach (var (name, value) in Traces.Settings) settings[name] = value;
        return settings;
    }

    /// <summary>Starts (or restarts) the service of <paramref name="modules"/> and waits until it is ready.</summary>
    private async Task<HostProcess> StartServiceAsync(string modules)
    {
        var (process, url) = await HostProcess.StartReadyAsync(Traced(TestEnvironment.Split(modules, Mail.Port)));
        _urls[modules] = url;
        return process;
    }

    public override async Task<Scrape> ScrapeAsync(Modular.BuildingBlocks.Hosting.Module module)
    {
        if (module == Modular.BuildingBlocks.Hosting.Module.Gateway) return await ScrapeAsync(Gateway);
        using var http = new HttpClient();
        return new Scrape(await http.GetStringAsync($"{_urls[module.ToString().ToLowerInvariant()]}/metrics"));
    }

    /// <summary>Kills the process (SIGKILL): no graceful shutdown, as a crash would end it.</summary>
    public Task StopNotificationServiceAsync() => NotificationService.KillAsync();

    public async Task StartNotificationServiceAsync() => NotificationService = await StartServiceAsync("notifications");

    public Task StopUserServiceAsync() => UserService.KillAsync();

    public async Task StartUserServiceAsync()
    {
        UserService = await StartServiceAsync("users");
        await WaitUntilRequestsFlowAsync();
    }

    /// <summary>
    /// Starts a user-service and returns at once, with its base URL: the caller watches it become ready. It replaces
    /// <see cref="UserService"/> (stop that one first).
    /// </summary>
    public (HostProcess Process, string Url) LaunchUserService()
    {
        var settings = Traced(TestEnvironment.Split("users", Mail.Port));
        settings["PORT"] = TestEnvironment.FreeTcpPort().ToString();
        UserService = HostProcess.Start(settings);
        return (UserService, _urls["users"] = $"http://127.0.0.1:{settings["PORT"]}");
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
                    $"user-service:\n{UserService.Output}{UserService.Errors}");
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
        await UserService.DisposeAsync();
        await NotificationService.DisposeAsync();
        Mail.Dispose();
        Traces.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SplitCollection : ICollectionFixture<SplitApp>
{
    public const string Name = "split";
}
