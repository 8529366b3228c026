using Alba;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using netDumbster.smtp;
using StackExchange.Redis;

namespace Modular.Tests.Infrastructure;

/// <summary>One Modular host for a test collection, on the real PostgreSQL and Redis, with a real SMTP server on loopback.</summary>
public sealed class AppFixture : IAsyncLifetime
{
    public IAlbaHost Host { get; private set; } = null!;
    public SimpleSmtpServer Smtp { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Smtp = SimpleSmtpServer.Start(TestEnvironment.FreeTcpPort());
        Host = await AlbaHost.For<Program>(web =>
        {
            foreach (var (name, value) in TestEnvironment.SingleProcess(Smtp.Configuration.Port)) web.UseSetting(name, value);
        });
    }

    /// <summary>Every test starts from empty stores and an empty mailbox.</summary>
    public async Task ResetAsync()
    {
        await Host.ResetAllMartenDataAsync();
        var redis = Host.Services.GetRequiredService<IConnectionMultiplexer>();
        // FLUSHDB through a script: the app's own connection is (rightly) not in admin mode.
        await redis.GetDatabase().ScriptEvaluateAsync("redis.call('FLUSHDB')");
        Smtp.ClearReceivedEmail();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Smtp.Stop();
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "app";
}

/// <summary>Base of the scenario tests: resets the data before each test.</summary>
[Collection(AppCollection.Name)]
public abstract class AppTest(AppFixture app) : IAsyncLifetime
{
    protected AppFixture App { get; } = app;
    protected IAlbaHost Host => App.Host;

    public Task InitializeAsync() => App.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
