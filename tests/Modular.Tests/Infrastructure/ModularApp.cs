using Alba;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Marten;
using Modular.BuildingBlocks.Persistence;
using StackExchange.Redis;
using Modular.BuildingBlocks.Hosting;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// The running system a scenario talks to, in one of its two modes. Scenarios are written once
/// against this and run in both (see <see cref="SingleProcessApp"/> and <see cref="SplitApp"/>).
/// </summary>
public abstract class ModularApp : IAsyncLifetime
{
    public Mailbox Mail { get; } = new();

    /// <summary>The gateway the scenarios call.</summary>
    public IAlbaHost Gateway => Gateways[0];

    /// <summary>Every gateway of the mode: one in a single process, two replicas in split mode.</summary>
    public abstract IReadOnlyList<IAlbaHost> Gateways { get; }

    /// <summary>What the gateway's process depends on, as its readiness check names them.</summary>
    public abstract string[] GatewayDependencies { get; }

    /// <summary>The database of the modules (and of Wolverine's tables) in this mode.</summary>
    public abstract string DatabaseUrl { get; }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>Scrapes <c>/metrics</c> of the process that runs <paramref name="module"/>.</summary>
    public abstract Task<Scrape> ScrapeAsync(ModuleDefinition module);

    protected static async Task<Scrape> ScrapeAsync(IAlbaHost host) =>
        new((await host.Scenario(s => s.Get.Url("/metrics"))).ReadAsText());

    private DocumentStore[]? _moduleData;

    private static readonly string[] ModuleSchemas = [Modular.Users.UsersModule.Schema, Modular.Notifications.NotificationsModule.Schema];

    /// <summary>Every test starts from empty user data, an empty Redis database and an empty mailbox.</summary>
    public async Task ResetAsync()
    {
        // Module data only: Marten's cleaner empties its tables of each module's schema; Wolverine's tables, in schemas
        // of their own, belong to the running processes.
        _moduleData ??= ModuleSchemas.Select(schema => DocumentStore.For(o =>
        {
            o.Connection(ModularPersistence.ParseDatabaseUrl(DatabaseUrl));
            o.DatabaseSchemaName = schema;
        })).ToArray();
        foreach (var store in _moduleData) await store.Advanced.Clean.DeleteAllDocumentsAsync();

        await EmptyRedisAsync();
        Mail.Clear();
    }

    /// <summary>Empties the tests' Redis database, as a Redis that restarted without its data.</summary>
    public async Task EmptyRedisAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisTestConfiguration());
        await redis.GetDatabase().ScriptEvaluateAsync("redis.call('FLUSHDB')");
    }

    /// <summary>
    /// Another gateway of this mode with some settings changed (small rate limits, a Redis that goes away);
    /// the caller disposes it.
    /// </summary>
    public abstract Task<IAlbaHost> StartGatewayAsync(Action<Dictionary<string, string>> change);

    /// <summary>What the ASP.NET Core pipeline of this mode's gateways logged as an error with an exception.</summary>
    public RequestExceptionLog RequestExceptions { get; } = new();

    protected async Task<IAlbaHost> StartGatewayAsync(IReadOnlyDictionary<string, string> settings) =>
        await AlbaHost.For<Program>(web =>
        {
            foreach (var (name, value) in settings) web.UseSetting(name, value);
            web.ConfigureLogging(logging => logging.AddProvider(RequestExceptions));
        });

    /// <summary>The Redis database of the tests, for a test that looks at or plants what the gateway keeps there.</summary>
    public static ConfigurationOptions RedisTestConfiguration()
    {
        var uri = new Uri(TestEnvironment.RedisUrl);
        var options = ConfigurationOptions.Parse($"{uri.Host}:{uri.Port}");
        options.DefaultDatabase = int.Parse(uri.AbsolutePath.Trim('/'));
        return options;
    }
}

/// <summary>Base of the scenario classes: resets the data before each test.</summary>
public abstract class Scenarios(ModularApp app) : IAsyncLifetime
{
    protected ModularApp App { get; } = app;
    protected IAlbaHost Gateway => App.Gateway;

    public Task InitializeAsync() => App.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
