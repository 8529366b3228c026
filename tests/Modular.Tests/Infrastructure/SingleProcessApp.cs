using Alba;
using Modular.BuildingBlocks.Hosting;

namespace Modular.Tests.Infrastructure;

/// <summary>All three modules in one host, as `make run` runs them.</summary>
public sealed class SingleProcessApp : ModularApp
{
    private IAlbaHost _host = null!;

    public override IReadOnlyList<IAlbaHost> Gateways => [_host];

    public IAlbaHost Host => _host;

    public override string[] GatewayDependencies => ["started", "postgres", "redis", "users"];

    public override string DatabaseUrl => TestEnvironment.DatabaseUrl;

    public override Task<Scrape> ScrapeAsync(ModuleDefinition module) => ScrapeAsync(_host);

    public override async Task InitializeAsync() => _host = await StartGatewayAsync(TestEnvironment.SingleProcess(Mail.Port));

    public override Task<IAlbaHost> StartGatewayAsync(Action<Dictionary<string, string>> change)
    {
        var settings = TestEnvironment.SingleProcess(Mail.Port);
        change(settings);
        return StartGatewayAsync(settings);
    }

    public override async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Mail.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SingleProcessCollection : ICollectionFixture<SingleProcessApp>
{
    public const string Name = "single process";
}
