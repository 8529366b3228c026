using System.Reflection;
using System.Text.Json.Serialization;
using JasperFx.CodeGeneration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Http;
using Modular.BuildingBlocks.Messaging;
using Modular.BuildingBlocks.Observability;
using Prometheus;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.Kafka;

namespace Modular.BuildingBlocks.Hosting;

/// <summary>What every process has, whatever modules it runs: environment, HTTP basics, health, messaging policy.</summary>
public static class ModularHost
{
    /// <summary>
    /// Creates the web application builder, honouring the seed's <c>NODE_ENV</c> as the environment name
    /// when <c>ASPNETCORE_ENVIRONMENT</c> is unset, and returns the reader every module reads its variables through.
    /// </summary>
    public static (WebApplicationBuilder Builder, SettingsReader Settings) CreateBuilder(string[] args)
    {
        // The environment is fixed before the builder exists, so NODE_ENV is read from the process environment.
        var nodeEnv = new SettingsReader(new ConfigurationBuilder().AddEnvironmentVariables().Build())
            .Optional<string?>("NODE_ENV", null, EnvironmentName);
        var aspNetEnvironmentSet = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") is not null
            || Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is not null;
        var options = new WebApplicationOptions
        {
            Args = args,
            EnvironmentName = aspNetEnvironmentSet ? null : nodeEnv,
            // appsettings*.json (log levels, the JSON log format) sit beside the host, wherever it is started from.
            ContentRootPath = AppContext.BaseDirectory,
        };

        BufferedStdout.Install();
        var builder = WebApplication.CreateBuilder(options);
        var settings = new SettingsReader(builder.Configuration) { KeysMustBeStrong = !builder.Environment.IsDevelopment() };
        settings.Optional("NODE_ENV", "", EnvironmentName); // recorded among the variables this process reads
        return (builder, settings);
    }

    /// <summary>Reads the host-level variables and registers what every process serves: JSON rules, problem details, health.</summary>
    /// <param name="catalog">Every module the host can run (<c>Program.Modules</c>): <c>MODULES</c> names some of them.</param>
    public static HostRole AddModularHosting(this WebApplicationBuilder builder, SettingsReader settings,
        IReadOnlyList<ModuleDefinition> catalog)
    {
        var role = HostRole.Read(settings, catalog, KafkaSettings.Read);
        builder.AddCorrelation();
        builder.AddTracing(settings, role);
        InlineConsoleLoggerProvider.ReplaceConsoleLogger(builder.Logging);
        var port = settings.Optional("PORT", 3000, SettingParsers.Port);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(port));

        builder.Services.Configure<JsonOptions>(json =>
        {
            // The API rejects fields it does not know rather than silently dropping them.
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddHealthChecks().AddCheck<HealthEndpoints.StartedCheck>("started", tags: [HealthEndpoints.ReadyTag],
            timeout: HealthEndpoints.CheckTimeout);
        builder.Services.AddSingleton(role);
        builder.Services.AddHostedService<MessageMetrics>();
        if (role.Transport is KafkaSettings kafka)
        {
            builder.Services.AddSingleton(kafka);
            builder.Services.AddSingleton<KafkaTopics>();
            builder.Services.AddHostedService<KafkaConsumerLag>();
            // Bounded like every readiness check, so that the probes' timeouts cover /health/ready: one metadata
            // request and one topic creation per topic could otherwise take several CheckTimeouts.
            builder.Services.AddHealthChecks()
                .AddCheck<KafkaTopics>("kafka", tags: [HealthEndpoints.ReadyTag, HealthEndpoints.StartupTag],
                    timeout: HealthEndpoints.CheckTimeout)
                // Registered by MessagingTopology.UseKafkaTopology, which follows the consumers Wolverine builds.
                .AddCheck<KafkaListenerAssignments>("listeners", tags: [HealthEndpoints.ReadyTag], timeout: HealthEndpoints.CheckTimeout);
        }

        builder.Services.Configure<HostOptions>(host =>
        {
            // The web server must not wait for Wolverine, which waits for its dependencies (DependencyGate).
            host.ServicesStartConcurrently = true;
            // On SIGTERM the web server finishes its in-flight requests, then Wolverine its in-flight messages;
            // together within this time, inside Compose's 30 s before SIGKILL and Kubernetes' 35 s (which begin
            // with the 5 s preStop pause).
            host.ShutdownTimeout = ShutdownTimeout;
        });
        builder.Services.AddAsyncWolverineExtension<DependencyGate>();
        return role;
    }

    /// <summary>The messaging policy, set once and the same in every mode; only the transport differs.</summary>
    /// <param name="applicationAssembly">The host's assembly: it carries the handler code <c>codegen write</c> pre-generates.</param>
    public static WolverineOptions UseModularMessaging(this WolverineOptions opts, HostRole role, IHostEnvironment environment,
        Assembly applicationAssembly)
    {
        opts.ServiceName = role.ServiceName;
        opts.ApplicationAssembly = applicationAssembly;
        opts.Policies.AutoApplyTransactions();
        // Several modules handle some events (Notifications and the Gateway's read model both handle UserDeleted):
        // each handler runs on its own, so one module's failure never makes another repeat its work.
        opts.MultipleHandlerBehavior = MultipleHandlerBehavior.Separated;
        // Passwords and reset tokens travel in some messages: no body is ever stored or sent in clear (docs/adr/0011).
        opts.UseEncryption(role.MessageKeys);
        if (role.Transport is KafkaSettings kafka)
        {
            opts.UseKafkaTopology(role, kafka);
            // What a topic sends in the background (the durable outbox's events, the replies) waits in a batch that
            // Wolverine holds open for its MessageBatchTimeout, 250 ms by default, even for a lone message: every event
            // and every reply took a quarter of a second longer (docs/adr/0009). Every topic, the reply topics that
            // are only known at run time too: Wolverine's sender policies skip endpoints without subscriptions.
            opts.Policies.Add(new LambdaEndpointPolicy<KafkaTopic>((topic, _) => topic.MessageBatchTimeout = kafka.SendBatchWindow));
        }

        // Production runs the handler code that scripts/publish.sh pre-generates (`codegen write`) and compiles
        // into the host: no compiler at run time and no code generation at start-up (docs/adr/0007). Each role
        // has its own: one event handled by two modules is two chains in one process and one in the other.
        opts.CodeGeneration.GeneratedNamespace = GeneratedNamespace(role);
        opts.CodeGeneration.GeneratedCodeOutputPath = Path.Combine("Internal", "Generated", RoleFolder(role));
        opts.CodeGeneration.TypeLoadMode = environment.IsProduction() ? TypeLoadMode.Static : TypeLoadMode.Dynamic;
        // The compiler only where code is generated at run time (and by `codegen write`, which runs in Development):
        // Production loads the pre-generated code, and a handler without it fails at start-up rather than compiling.
        if (opts.CodeGeneration.TypeLoadMode != TypeLoadMode.Static) opts.UseRuntimeCompilation();
        return opts;
    }

    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(25);

    private static string RoleFolder(HostRole role) =>
        new(role.ServiceName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    private static string GeneratedNamespace(HostRole role) => "Internal.Generated." + RoleFolder(role);

    /// <param name="settings">The reader the modules read through: the variables it read are logged, names only.</param>
    public static WebApplication UseModularHosting(this WebApplication app, HostRole role, SettingsReader settings)
    {
        // What this process depends on, for the operator (and the manifest drift tests): names, never values.
        app.Logger.LogInformation("{Service} reads the variables {Variables} (secrets: {Secrets}); the GC may use {HeapLimitMb} MB",
            role.ServiceName, string.Join(",", settings.VariablesRead), string.Join(",", settings.SecretsRead),
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024));
        app.UseCorrelationHeader();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // No exemplars (a trace id beside each observation): nothing here reads them, and recording one per request
        // was 3 % of the CPU of an authenticated request (docs/performance.md).
        Metrics.DefaultFactory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        app.UseHttpMetrics(); // request durations and status codes per route, on /metrics
        app.MapHealthEndpoints();
        app.MapMetrics("/metrics");
        return app;
    }

    private static string EnvironmentName(string nodeEnv) => nodeEnv.Trim().ToLowerInvariant() switch
    {
        "production" or "prod" => Environments.Production,
        "development" or "dev" => Environments.Development,
        "staging" => Environments.Staging,
        "test" => "Test",
        _ => throw new FormatException("must be one of production, development, staging, test"),
    };
}
