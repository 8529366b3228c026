using System.Text.Json;
using System.Text.RegularExpressions;
using Modular.BuildingBlocks.Hosting;
using Modular.Tests.Infrastructure;
using Modular.Gateway;
using Modular.Users;
using Modular.Notifications;

namespace Modular.Tests.Deployment;

/// <summary>
/// The Grafana dashboard and the Prometheus alert rules (docker/) query only metrics the services really expose:
/// every metric name in every PromQL expression is found in a scrape of the running split services.
/// (promtool checks their syntax and the rules' behaviour: scripts/check-deployment.sh.)
/// </summary>
[Collection(SplitCollection.Name)]
public sealed partial class MonitoringConfigurationTests(SplitApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task every_metric_the_dashboard_and_the_alert_rules_query_is_exposed_by_a_running_service()
    {
        // Traffic that touches every kind of series: HTTP, Redis, messages, the pool, e-mail.
        var email = $"dashboard-{Guid.NewGuid():N}@example.com";
        await App.RegisterAsync(email);
        await Gateway.LoginAsync(email);

        var exposed = new HashSet<string>();
        foreach (var module in new[] { GatewayModule.Definition, UsersModule.Definition, NotificationsModule.Definition })
            exposed.UnionWith((await App.ScrapeAsync(module)).Names);

        var expressions = DashboardExpressions().Concat(AlertExpressions()).ToList();
        expressions.Count.ShouldBeGreaterThan(10);
        foreach (var (source, expression) in expressions)
        {
            var metrics = MetricNames(expression).ToList();
            metrics.ShouldNotBeEmpty($"{source}: {expression}");
            foreach (var metric in metrics) exposed.ShouldContain(metric, $"{source} queries {metric}: {expression}");
        }

        // The four seed metrics are on the dashboard.
        var queried = expressions.SelectMany(e => MetricNames(e.Expression)).ToHashSet();
        queried.ShouldContain("http_request_duration_seconds_bucket");
        queried.ShouldContain("http_requests_received_total");
        queried.ShouldContain("modular_kafka_consumer_lag");
        queried.ShouldContain("npgsql_db_client_connections_usage");
    }

    private static IEnumerable<(string Source, string Expression)> DashboardExpressions()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Manifests.PathOf("docker/grafana/dashboards/modular.json")));
        return dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.TryGetProperty("targets", out var targets) ? targets.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Select(target => ("dashboard", target.GetProperty("expr").GetString()!))
            .ToList();
    }

    private static IEnumerable<(string Source, string Expression)> AlertExpressions() =>
        Manifests.Load("docker/prometheus/alerts.yml")[0].List("groups")
            .SelectMany(group => ((Dictionary<object, object>)group).List("rules"))
            .Select(rule => ($"alert {((Dictionary<object, object>)rule).Text("alert")}", ((Dictionary<object, object>)rule).Text("expr")!));

    /// <summary>
    /// The metric names of a PromQL expression: identifiers that are not functions, aggregation keywords, label
    /// names (inside braces or by/without/on/ignoring lists), durations or Grafana variables.
    /// </summary>
    public static IEnumerable<string> MetricNames(string expression)
    {
        var stripped = StringLiteral().Replace(expression, "\"\"");
        stripped = Braces().Replace(stripped, "");
        stripped = Ranges().Replace(stripped, "");
        stripped = LabelLists().Replace(stripped, "");
        return Identifier().Matches(stripped)
            .Where(m => !Keywords.Contains(m.Value) && !FollowedByParenthesis(stripped, m))
            .Select(m => m.Value)
            .Distinct();
    }

    private static bool FollowedByParenthesis(string text, Match m) =>
        text[(m.Index + m.Length)..].TrimStart().StartsWith('(');

    private static readonly HashSet<string> Keywords =
        ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "le", "inf", "nan"];

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex LabelLists();

    [GeneratedRegex(@"(?<![\w$.])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();
}
