using System.Text.RegularExpressions;
using Modular.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Modular.Tests.Deployment;

/// <summary>
/// One application service as a deployment describes it: what the drift tests compare with the code.
/// </summary>
/// <param name="Source"><c>compose</c> or <c>kubernetes</c>.</param>
/// <param name="Environment">The variables the deployment sets, with their values resolved (ConfigMap, Secret, .env).</param>
/// <param name="FromSecrets">The variables whose value comes from a secret store rather than the file itself.</param>
/// <param name="HealthPaths">Every HTTP path the deployment probes the service on.</param>
public sealed record ServiceManifest(
    string Source,
    string Service,
    string Image,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlySet<string> FromSecrets,
    IReadOnlyList<string> HealthPaths)
{
    public override string ToString() => $"{Source}:{Service}";
}

/// <summary>Reads docker/docker-compose.yml and kubernetes/ as YAML.</summary>
public static partial class Manifests
{
    public static readonly string[] Services = ["gateway", "user-service", "notification-service"];

    private static readonly IDeserializer Yaml = new DeserializerBuilder().Build();

    public static string PathOf(string relative) => Path.Combine(TestEnvironment.RepositoryRoot(), relative);

    /// <summary>A YAML file as nested dictionaries and lists (every document of it).</summary>
    public static IReadOnlyList<Dictionary<object, object>> Load(string relative)
    {
        using var reader = new StringReader(File.ReadAllText(PathOf(relative)));
        var parser = new Parser(reader);
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
            if (Yaml.Deserialize<Dictionary<object, object>?>(parser) is { } document) documents.Add(document);
        return documents;
    }

    public static Dictionary<object, object> Map(this object? node, string key) =>
        node is Dictionary<object, object> map && map.TryGetValue(key, out var value) && value is Dictionary<object, object> child
            ? child
            : throw new KeyNotFoundException($"no mapping '{key}'");

    public static List<object> List(this object? node, string key) =>
        node is Dictionary<object, object> map && map.TryGetValue(key, out var value) && value is List<object> child
            ? child
            : throw new KeyNotFoundException($"no list '{key}'");

    public static string? Text(this object? node, string key) =>
        node is Dictionary<object, object> map && map.TryGetValue(key, out var value) ? value?.ToString() : null;

    // ---- Docker Compose -------------------------------------------------------------------------------

    public const string ComposeFile = "docker/docker-compose.yml";
    public const string ComposeEnvExample = "docker/.env.example";

    public static Dictionary<object, object> ComposeServices() => Load(ComposeFile)[0].Map("services");

    public static ServiceManifest Compose(string service)
    {
        var definition = ComposeServices().Map(service);
        var dotEnv = DotEnv(ComposeEnvExample);
        var environment = new Dictionary<string, string>();
        var fromSecrets = new HashSet<string>();
        foreach (var (key, value) in definition.Map("environment"))
        {
            var raw = value?.ToString() ?? "";
            environment[(string)key] = Interpolate(raw, dotEnv);
            // A value that the operator's .env supplies (`${JWT_ACCESS_SECRET:?...}`) is not in the file.
            if (Interpolation().IsMatch(raw)) fromSecrets.Add((string)key);
        }
        var test = definition.Map("healthcheck").List("test").Select(t => t.ToString()!).ToList();
        return new ServiceManifest("compose", service, definition.Text("image") ?? "", environment, fromSecrets,
            test.Where(t => t.StartsWith('/')).ToList());
    }

    /// <summary>Compose's own interpolation: <c>${NAME}</c>, <c>${NAME:-default}</c>, <c>${NAME:?error}</c>.</summary>
    public static string Interpolate(string value, IReadOnlyDictionary<string, string> variables) =>
        Interpolation().Replace(value, m =>
        {
            var name = m.Groups["name"].Value;
            var set = variables.TryGetValue(name, out var v) && v != "";
            return m.Groups["op"].Value switch
            {
                ":-" => set ? v! : m.Groups["arg"].Value,
                ":?" => set ? v! : throw new InvalidOperationException($"{name} is required: {m.Groups["arg"].Value}"),
                _ => v ?? "",
            };
        });

    public static Dictionary<string, string> DotEnv(string relative) =>
        File.ReadAllLines(PathOf(relative))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#') && line.Contains('='))
            .Select(line => line.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim().Trim('"'));

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:[-?])(?<arg>[^}]*))?\}")]
    private static partial Regex Interpolation();

    // ---- Kubernetes -----------------------------------------------------------------------------------

    public static Dictionary<object, object> Kubernetes(string relative, string kind) =>
        Load(Path.Combine("kubernetes", relative)).Single(d => d.Text("kind") == kind);

    public static Dictionary<object, object> Deployment(string service) => Kubernetes($"{service}/deployment.yaml", "Deployment");

    public static Dictionary<object, object> PodSpec(string service) => Deployment(service).Map("spec").Map("template").Map("spec");

    public static Dictionary<object, object> Kustomization() => Load("kubernetes/kustomization.yaml")[0];

    /// <summary>Every document of every file the kustomization applies.</summary>
    public static IEnumerable<Dictionary<object, object>> KustomizedResources() =>
        Kustomization().List("resources").SelectMany(r => Load(Path.Combine("kubernetes", r.ToString()!)));

    /// <summary>The HorizontalPodAutoscaler that scales the service's Deployment, if one does.</summary>
    public static Dictionary<object, object>? Autoscaler(string service)
    {
        var name = Deployment(service).Map("metadata").Text("name");
        return KustomizedResources().SingleOrDefault(d => d.Text("kind") == "HorizontalPodAutoscaler"
            && d.Map("spec").Map("scaleTargetRef") is var target && target.Text("kind") == "Deployment" && target.Text("name") == name);
    }

    public static Dictionary<object, object> Container(string service) =>
        (Dictionary<object, object>)PodSpec(service).List("containers").Single();

    public static ServiceManifest Kubernetes(string service)
    {
        var configMap = Kubernetes("configmap.yaml", "ConfigMap").Map("data");
        var secret = Kubernetes("secrets.example.yaml", "Secret").Map("stringData");
        var container = Container(service);
        var environment = new Dictionary<string, string>();
        var fromSecrets = new HashSet<string>();
        foreach (Dictionary<object, object> variable in container.List("env"))
        {
            var name = variable.Text("name")!;
            if (variable.Text("value") is { } literal) environment[name] = literal;
            else if (variable.Map("valueFrom") is var from && from.ContainsKey("secretKeyRef"))
            {
                environment[name] = secret[from.Map("secretKeyRef").Text("key")!].ToString()!;
                fromSecrets.Add(name);
            }
            else environment[name] = configMap[from.Map("configMapKeyRef").Text("key")!]?.ToString() ?? "";
        }
        var paths = new[] { "livenessProbe", "readinessProbe" }
            .Select(probe => container.Map(probe).Map("httpGet").Text("path")!).ToList();
        return new ServiceManifest("kubernetes", service, container.Text("image")!, environment, fromSecrets, paths);
    }

    public static IEnumerable<ServiceManifest> All() => Services.SelectMany(s => new[] { Compose(s), Kubernetes(s) });
}
