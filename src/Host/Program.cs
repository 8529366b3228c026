using JasperFx;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Messaging;
using Modular.Gateway;
using Modular.Notifications;
using Modular.Users;
using Wolverine;

if (args is [HealthProbe.Command, ..]) return await HealthProbe.RunAsync(args);
// The Kubernetes Job and the Compose one-shot that create the Kafka topics before the services start (docs/adr/0014).
if (args is [TopicProvisioning.Command]) return await TopicProvisioning.RunAsync(Program.Modules);
if (args is [TopicProvisioning.ListCommand]) return TopicProvisioning.List(Program.Modules);

try
{
    var (builder, settings) = ModularHost.CreateBuilder(args);
    var role = builder.AddModularHosting(settings, Program.Modules);

    // The host runs the modules MODULES names, and only those: a process registers the handlers of
    // its own modules, so every other request leaves it through the transport.
    builder.Services.AddWolverine(opts =>
    {
        opts.UseModularMessaging(role, builder.Environment, typeof(Program).Assembly);
        foreach (var module in role.Modules) module.Add(opts, settings);
    });

    var app = builder.Build();
    app.UseModularHosting(role, settings);
    foreach (var module in role.Modules) module.Map?.Invoke(app);

    // Without arguments the host just runs; JasperFx's command line (codegen, storage, describe...) is for the
    // rest, and it writes its command discovery to stdout, which would break the JSON lines of the logs.
    if (args.Length > 0) return await app.RunJasperFxCommands(args);
    await app.RunAsync();
    return 0;
}
catch (InvalidSettingException e)
{
    // One line naming the variable, and no stack trace: this is an operator's mistake, not a bug.
    Console.Error.WriteLine(e.Message);
    return 2;
}

public partial class Program
{
    /// <summary>Every module the host can run, each as it declares itself; <c>MODULES</c> names some (all by default).
    /// The order is that of the service names of a process running several (<c>gateway+user-service</c>).</summary>
    public static readonly IReadOnlyList<ModuleDefinition> Modules =
        [GatewayModule.Definition, UsersModule.Definition, NotificationsModule.Definition];
}
