using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Messaging;

namespace Modular.BuildingBlocks.Hosting;

public enum Module
{
    Gateway,
    Users,
    Notifications,
}

/// <summary>
/// Which modules this process runs (<c>MODULES</c>) and how they reach the others (<c>KAFKA_BROKERS</c>).
/// </summary>
public sealed record HostRole(IReadOnlySet<Module> Modules, KafkaSettings? Kafka, Wolverine.Runtime.Serialization.Encryption.IKeyProvider MessageKeys)
{
    public static readonly IReadOnlySet<Module> AllModules = Enum.GetValues<Module>().ToHashSet();

    public bool Runs(Module module) => Modules.Contains(module);

    /// <summary>How long a request to another module may take: <c>REQUEST_TIMEOUT</c> over Kafka, its default in one process.</summary>
    public TimeSpan RequestTimeout => Kafka?.RequestTimeout ?? KafkaSettings.DefaultRequestTimeout;

    public bool RunsEverything => Modules.SetEquals(AllModules);

    /// <summary>The service name of the seed's split deployment, or <c>modular</c> for the single process.</summary>
    public string ServiceName => RunsEverything
        ? "modular"
        : string.Join("+", Modules.Order().Select(ServiceNameOf));

    /// <summary>The service of the seed's split deployment that runs <paramref name="module"/> alone.</summary>
    public static string ServiceNameOf(Module module) => module switch
    {
        Module.Gateway => "gateway",
        Module.Users => "user-service",
        _ => "notification-service",
    };

    public static HostRole Read(SettingsReader settings)
    {
        var modules = settings.Optional("MODULES", AllModules, ParseModules);
        var brokers = settings.Optional("KAFKA_BROKERS");
        if (brokers is null && !modules.SetEquals(AllModules))
            throw new InvalidSettingException("KAFKA_BROKERS",
                $"is required when MODULES runs only some modules ({string.Join(",", modules.Order()).ToLowerInvariant()}): " +
                "the other modules are reached through Kafka");
        return new HostRole(modules, brokers is null ? null : KafkaSettings.Read(settings, brokers, gateway: modules.Contains(Module.Gateway)), MessageEncryption.Read(settings));
    }

    private static IReadOnlySet<Module> ParseModules(string value)
    {
        var modules = new HashSet<Module>();
        foreach (var name in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<Module>(name, ignoreCase: true, out var module) || !Enum.IsDefined(module) || char.IsDigit(name[0]))
                throw new FormatException($"must list modules among gateway, users, notifications; '{name}' is not one");
            modules.Add(module);
        }
        return modules.Count > 0 ? modules : throw new FormatException("must name at least one module");
    }
}
