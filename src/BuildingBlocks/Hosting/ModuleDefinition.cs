using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Messaging;
using Wolverine;

namespace Modular.BuildingBlocks.Hosting;

/// <summary>
/// What a module tells the host about itself, declared beside its own <c>Add…</c> entry point (<c>UsersModule.Definition</c>):
/// its name in <c>MODULES</c>, the service that runs it alone in the split deployment, how a process runs it, and what it
/// sends and reads when the modules run in different processes. BuildingBlocks knows no module: it applies what the host
/// passes (<c>Program.Modules</c>), so a new module is its own projects and one line there (docs/adr/0026).
/// </summary>
/// <param name="Name">Its name in <c>MODULES</c>, lower case.</param>
/// <param name="ServiceName">The service of the split deployment that runs it alone (Compose service, Kubernetes workload).</param>
public sealed record ModuleDefinition(string Name, string ServiceName)
{
    /// <summary>Registers the module's handlers, services and settings in this process.</summary>
    public required Action<WolverineOptions, SettingsReader> Add { get; init; }

    /// <summary>Maps what the module serves over HTTP, if it serves anything.</summary>
    public Action<WebApplication>? Map { get; init; }

    /// <summary>The assembly of its messages: its <see cref="Modular.Contracts.IRequest"/>s travel to
    /// <see cref="RequestsTopic"/>, its <see cref="Modular.Contracts.IEvent"/>s to <see cref="EventsTopic"/>; other
    /// records there (replies, values inside messages) travel nowhere on their own.</summary>
    public Assembly? Contracts { get; init; }

    public string? RequestsTopic { get; init; }

    public string? EventsTopic { get; init; }

    /// <summary>The property of its events that names what each is about: it keys the event's partition, so one
    /// thing's events are read in the order they were published.</summary>
    public string? EventsKeyedBy { get; init; }

    /// <summary>The topics it reads, each with a consumer group of its own (docs/adr/0024).</summary>
    public IReadOnlyList<TopicSubscription> Reads { get; init; } = [];

    /// <summary>The requests topics of other modules it sends to.</summary>
    public IReadOnlyList<string> SendsTo { get; init; } = [];

    /// <summary>Whether it waits for replies to its requests: its process then reads a replies topic of its own (docs/adr/0003).</summary>
    public bool AwaitsReplies { get; init; }

    public override string ToString() => Name;
}

/// <summary>
/// A topic a module reads, with the consumer group its service reads it in, and whether the listener handles each
/// message before reading the next (<paramref name="Inline"/>) instead of storing it in the durable inbox first.
/// </summary>
/// <param name="GatesReadiness">Whether the process is ready only once this listener's consumer has joined its group
/// (the readiness check <c>listeners</c>, docs/adr/0017): true where what the topic brings is work only this
/// process's share of the group would do. False where the process serves without it and the group's other members
/// read meanwhile (the gateway's users.events: they feed the read model every gateway shares in Redis).</param>
public sealed record TopicSubscription(string Topic, string Group, bool Inline = false, bool GatesReadiness = true);

/// <summary>How a process reaches the modules it does not run: Kafka (<c>KafkaSettings</c>, in BuildingBlocks.Hosting,
/// which only the host references, so that no module pulls in a transport).</summary>
/// <param name="RequestTimeout"><c>REQUEST_TIMEOUT</c>: how long a request to another module may take.</param>
public abstract record ModuleTransport(TimeSpan RequestTimeout);

/// <summary>
/// Which modules this process runs (<c>MODULES</c>, among the <paramref name="Catalog"/> the host knows) and how they
/// reach the others (<paramref name="Transport"/>, from <c>KAFKA_BROKERS</c>; none in one process).
/// </summary>
public sealed record HostRole(
    IReadOnlyList<ModuleDefinition> Catalog,
    IReadOnlyList<ModuleDefinition> Modules,
    ModuleTransport? Transport,
    Wolverine.Runtime.Serialization.Encryption.IKeyProvider MessageKeys)
{
    /// <summary>The default of <c>REQUEST_TIMEOUT</c>; also the bound of a request inside one process, which reads no transport settings.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(5);

    public bool Runs(ModuleDefinition module) => Modules.Contains(module);

    /// <summary>Whether this process runs the module whose contracts declare <paramref name="contract"/>: then a
    /// request of that type is handled here, without the transport.</summary>
    public bool RunsOwnerOf(Type contract) => Modules.Any(m => m.Contracts == contract.Assembly);

    /// <summary>Whether a module of this process waits for replies: then it reads a replies topic of its own.</summary>
    public bool AwaitsReplies => Modules.Any(m => m.AwaitsReplies);

    /// <summary>How long a request to another module may take: <c>REQUEST_TIMEOUT</c> over Kafka, its default in one process.</summary>
    public TimeSpan RequestTimeout => Transport?.RequestTimeout ?? DefaultRequestTimeout;

    public bool RunsEverything => Catalog.All(Runs);

    /// <summary>The service name of the split deployment, or <c>modular</c> for the single process.</summary>
    public string ServiceName => RunsEverything ? "modular" : string.Join("+", Modules.Select(m => m.ServiceName));

    /// <param name="readTransport">Reads the transport's settings, given <c>KAFKA_BROKERS</c> and whether a module of this
    /// process awaits replies (<c>KafkaSettings.Read</c>).</param>
    public static HostRole Read(SettingsReader settings, IReadOnlyList<ModuleDefinition> catalog,
        Func<SettingsReader, string, bool, ModuleTransport> readTransport)
    {
        var modules = settings.Optional("MODULES", catalog, value => ParseModules(value, catalog));
        var brokers = settings.Optional("KAFKA_BROKERS");
        if (brokers is null && modules.Count != catalog.Count)
            throw new InvalidSettingException("KAFKA_BROKERS",
                $"is required when MODULES runs only some modules ({string.Join(",", modules)}): " +
                "the other modules are reached through Kafka");
        var transport = brokers is null ? null : readTransport(settings, brokers, modules.Any(m => m.AwaitsReplies));
        return new HostRole(catalog, modules, transport, MessageEncryption.Read(settings));
    }

    /// <summary>The modules <paramref name="value"/> names, in the catalog's order (whatever the order of the list).</summary>
    private static IReadOnlyList<ModuleDefinition> ParseModules(string value, IReadOnlyList<ModuleDefinition> catalog)
    {
        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in names)
        {
            if (!catalog.Any(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
                throw new FormatException($"must list modules among {string.Join(", ", catalog)}; '{name}' is not one");
        }
        return names.Length > 0
            ? [.. catalog.Where(m => names.Contains(m.Name, StringComparer.OrdinalIgnoreCase))]
            : throw new FormatException("must name at least one module");
    }
}
