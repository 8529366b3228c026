using System.Globalization;
using System.Text.Json;

namespace Modular.Bench;

/// <summary><c>--name value</c> pairs; every command reads the few it knows.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values;

    private Options(Dictionary<string, string> values) => _values = values;

    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--")) throw new ArgumentException($"expected an option, got {args[i]}");
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
            values[args[i][2..]] = args[i + 1];
        }
        return new Options(values);
    }

    public string Required(string name) =>
        _values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");

    public string? Optional(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var value)
            ? int.TryParse(value, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"--{name} must be a positive integer")
            : fallback;

    public string[] List(string name) =>
        Required(name).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>The one JSON shape of every result line (snake_case, as the shell script writes its own lines).</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static void WriteLine(Measurement measurement) =>
        Console.Out.WriteLine(JsonSerializer.Serialize(measurement, Options));
}
