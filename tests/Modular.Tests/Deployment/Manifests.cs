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

    /// <summary>The Compose one-shot that creates the Kafka topics before the services start.</summary>
    public const string TopicsOneShot = "kafka-topics";

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
        var test = definition.ContainsKey("healthcheck")
            ? definition.Map("healthcheck").List("test").Select(t => t.ToString()!).ToList()
            : [];
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

    // ---- Kubernetes ----------------------------------------------------------------------------------
    // What the cluster gets: `kubectl kustomize kubernetes/` (the images: rewrite, the generated ConfigMap with its
    // hashed name), not the files as written. Only the example Secret, which the kustomization leaves out, is read as a file.

    private static readonly Lazy<IReadOnlyList<Dictionary<object, object>>> RenderedResources = new(Render);

    /// <summary>Every document of <c>kubectl kustomize kubernetes/</c>.</summary>
    public static IReadOnlyList<Dictionary<object, object>> Rendered() => RenderedResources.Value;

    private static IReadOnlyList<Dictionary<object, object>> Render()
    {
        var info = new System.Diagnostics.ProcessStartInfo("kubectl", ["kustomize", PathOf("kubernetes")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var kubectl = System.Diagnostics.Process.Start(info)
            ?? throw new InvalidOperationException("kubectl did not start (scripts/check-deployment.sh installs it)");
        var errors = kubectl.StandardError.ReadToEndAsync();
        var output = kubectl.StandardOutput.ReadToEnd();
        kubectl.WaitForExit();
        if (kubectl.ExitCode != 0) throw new InvalidOperationException($"kubectl kustomize kubernetes/ failed: {errors.Result}");
        return ParseAll(output);
    }

    private static List<Dictionary<object, object>> ParseAll(string yaml)
    {
        using var reader = new StringReader(yaml);
        var parser = new Parser(reader);
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
            if (Yaml.Deserialize<Dictionary<object, object>?>(parser) is { } document) documents.Add(document);
        return documents;
    }

    /// <summary>The rendered resource of that kind and name.</summary>
    public static Dictionary<object, object> Resource(string kind, string name) =>
        Rendered().SingleOrDefault(d => d.Text("kind") == kind && d.Map("metadata").Text("name") == name)
        ?? throw new KeyNotFoundException($"kubectl kustomize renders no {kind} {name}");

    public static IEnumerable<Dictionary<object, object>> OfKind(string kind) => Rendered().Where(d => d.Text("kind") == kind);

    /// <summary>The example Secret: not part of the kustomization, read as the file.</summary>
    public static Dictionary<object, object> ExampleSecret() =>
        Load(Path.Combine("kubernetes", "secrets.example.yaml")).Single(d => d.Text("kind") == "Secret");

    /// <summary>The service's workload: a Deployment, or the gateway's StatefulSet (stable pod names, docs/adr/0020).</summary>
    public static Dictionary<object, object> Deployment(string service) =>
        Rendered().SingleOrDefault(d => d.Text("kind") is "Deployment" or "StatefulSet" && d.Map("metadata").Text("name") == service)
        ?? throw new KeyNotFoundException($"kubectl kustomize renders no Deployment or StatefulSet {service}");

    /// <summary>The Job that creates the Kafka topics before the services start.</summary>
    public const string TopicsJob = "kafka-topics";

    public static Dictionary<object, object> Job(string name) => Resource("Job", name);

    /// <summary>The pod template's spec of a Deployment, or of the Job of that name.</summary>
    public static Dictionary<object, object> PodSpec(string workload) =>
        (Rendered().SingleOrDefault(d => d.Text("kind") is "Deployment" or "StatefulSet" or "Job" && d.Map("metadata").Text("name") == workload)
         ?? throw new KeyNotFoundException($"kubectl kustomize renders no Deployment, StatefulSet or Job {workload}"))
        .Map("spec").Map("template").Map("spec");

    public static Dictionary<object, object> Kustomization() => Load("kubernetes/kustomization.yaml")[0];

    /// <summary>The HorizontalPodAutoscaler that scales the service's Deployment, if one does.</summary>
    public static Dictionary<object, object>? Autoscaler(string service)
    {
        var workload = Deployment(service);
        return OfKind("HorizontalPodAutoscaler").SingleOrDefault(d => d.Map("spec").Map("scaleTargetRef") is var target
            && target.Text("kind") == workload.Text("kind") && target.Text("name") == workload.Map("metadata").Text("name"));
    }

    /// <summary>The KEDA ScaledObject that scales the service's Deployment on its Kafka lag, if one does.</summary>
    public static Dictionary<object, object>? ScaledObject(string service)
    {
        var name = Deployment(service).Map("metadata").Text("name");
        return OfKind("ScaledObject").SingleOrDefault(d => d.Map("spec").Map("scaleTargetRef").Text("name") == name);
    }

    public static Dictionary<object, object> Container(string workload) =>
        (Dictionary<object, object>)PodSpec(workload).List("containers").Single();

    /// <summary>A workload's environment, each reference resolved in the rendered ConfigMap it names or in the example Secret.</summary>
    public static ServiceManifest Kubernetes(string workload)
    {
        var secret = ExampleSecret().Map("stringData");
        var container = Container(workload);
        var environment = new Dictionary<string, string>();
        var fromSecrets = new HashSet<string>();
        foreach (Dictionary<object, object> variable in container.List("env"))
        {
            var name = variable.Text("name")!;
            if (variable.Text("value") is { } literal) environment[name] = literal;
            else if (variable.Map("valueFrom") is var from && from.ContainsKey("fieldRef"))
                // The pod's own name, as the first pod of a StatefulSet has it.
                environment[name] = from.Map("fieldRef").Text("fieldPath") == "metadata.name"
                    ? $"{workload}-0"
                    : throw new NotSupportedException($"{workload}: {name} comes from a field these tests do not resolve");
            else if (from.ContainsKey("secretKeyRef"))
            {
                environment[name] = secret[from.Map("secretKeyRef").Text("key")!].ToString()!;
                fromSecrets.Add(name);
            }
            else
            {
                var reference = from.Map("configMapKeyRef");
                var data = Resource("ConfigMap", reference.Text("name")!).Map("data");
                environment[name] = data.TryGetValue(reference.Text("key")!, out var value)
                    ? value?.ToString() ?? ""
                    : throw new KeyNotFoundException($"{workload}: ConfigMap {reference.Text("name")} has no key {reference.Text("key")}");
            }
        }
        var paths = new[] { "livenessProbe", "readinessProbe" }
            .Where(container.ContainsKey)
            .Select(probe => container.Map(probe).Map("httpGet").Text("path")!).ToList();
        return new ServiceManifest("kubernetes", workload, container.Text("image")!, environment, fromSecrets, paths);
    }

    public static IEnumerable<ServiceManifest> All() => Services.SelectMany(s => new[] { Compose(s), Kubernetes(s) });
}
