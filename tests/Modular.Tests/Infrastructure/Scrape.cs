using System.Globalization;
using System.Text.RegularExpressions;

namespace Modular.Tests.Infrastructure;

/// <summary>One scrape of a process's <c>/metrics</c> (Prometheus text format), parsed into series.</summary>
public sealed partial class Scrape
{
    public sealed record Series(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public IReadOnlyList<Series> All { get; }

    private readonly HashSet<string> _declared = [];

    public Scrape(string text)
    {
        // A labelled metric with no series yet (no failure so far, say) is only declared: "# TYPE name kind".
        foreach (Match type in TypeLine().Matches(text))
        {
            var name = type.Groups["name"].Value;
            if (type.Groups["kind"].Value == "histogram") _declared.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
            else _declared.Add(name);
        }
        All = Parse(text);
    }

    private static List<Series> Parse(string text) => text.Split('\n')
        .Select(line => SeriesLine().Match(line.TrimEnd()))
        .Where(m => m.Success)
        .Select(m => new Series(
            m.Groups["name"].Value,
            LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["key"].Value, l => Regex.Unescape(l.Groups["value"].Value)),
            double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))
        .ToList();

    /// <summary>The metric names the process exposes: with series, or declared and waiting for their first.</summary>
    public IReadOnlySet<string> Names => All.Select(s => s.Name).Concat(_declared).ToHashSet();

    /// <summary>The sum of the series of <paramref name="name"/> whose labels include <paramref name="labels"/> (0 when none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Matching(name, labels).Sum(s => s.Value);

    public IEnumerable<Series> Matching(string name, params (string Key, string Value)[] labels) =>
        All.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<kind>\S+)", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$")]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
