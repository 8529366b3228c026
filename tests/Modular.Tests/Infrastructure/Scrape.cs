using System.Globalization;
using System.Text.RegularExpressions;

namespace Modular.Tests.Infrastructure;

/// <summary>One scrape of a process's <c>/metrics</c> (Prometheus text format), parsed into series.</summary>
public sealed partial class Scrape
{
    public sealed record Series(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public IReadOnlyList<Series> All { get; }

    public Scrape(string text) => All = text.Split('\n')
        .Select(line => SeriesLine().Match(line.TrimEnd()))
        .Where(m => m.Success)
        .Select(m => new Series(
            m.Groups["name"].Value,
            LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["key"].Value, l => Regex.Unescape(l.Groups["value"].Value)),
            double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))
        .ToList();

    /// <summary>The metric names the process exposes.</summary>
    public IReadOnlySet<string> Names => All.Select(s => s.Name).ToHashSet();

    /// <summary>The sum of the series of <paramref name="name"/> whose labels include <paramref name="labels"/> (0 when none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Matching(name, labels).Sum(s => s.Value);

    public IEnumerable<Series> Matching(string name, params (string Key, string Value)[] labels) =>
        All.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$")]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
