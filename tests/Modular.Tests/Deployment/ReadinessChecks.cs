using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using Modular.Gateway;
using Modular.Notifications;
using Modular.Tests.Infrastructure;
using Modular.Users;
using Wolverine;

namespace Modular.Tests.Deployment;

/// <summary>
/// The health checks a role registers, read from its service container without starting anything: what
/// <c>/health/ready</c> runs and how long each check may take. The container is built as src/Host/Program.cs
/// builds it; a module registering its checks elsewhere must be added here too.
/// </summary>
public static class ReadinessChecks
{
    /// <summary>The readiness checks of a split-mode service that runs <paramref name="modules"/>.</summary>
    public static IReadOnlyList<HealthCheckRegistration> Of(string modules)
    {
        using var services = Container(modules);
        return services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations
            .Where(r => r.Tags.Contains(HealthEndpoints.ReadyTag)).ToList();
    }

    /// <summary>The service container of a split-mode service that runs <paramref name="modules"/>; its Kafka is unreachable.</summary>
    public static ServiceProvider Container(string modules)
    {
        var builder = WebApplication.CreateBuilder();
        var variables = new Dictionary<string, string>(TestEnvironment.SingleProcess(smtpPort: 25))
        {
            ["MODULES"] = modules,
            ["KAFKA_BROKERS"] = "127.0.0.1:9", // the discard port: nothing answers there
        };
        builder.Configuration.AddInMemoryCollection(variables.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value)));
        var settings = new SettingsReader(builder.Configuration);
        var role = builder.AddModularHosting(settings, Program.Modules);
        builder.Services.AddWolverine(opts =>
        {
            opts.UseModularMessaging(role, builder.Environment, typeof(Program).Assembly);
            foreach (var module in role.Modules) module.Add(opts, settings);
        });
        return builder.Services.BuildServiceProvider();
    }
}
