using System.Globalization;
using System.Text.RegularExpressions;

namespace Modular.BuildingBlocks.Configuration;

/// <summary>Parsers for value shapes several modules share. Each throws <see cref="FormatException"/> saying what is expected.</summary>
public static partial class SettingParsers
{
    public static int Port(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new FormatException("must be a port number between 1 and 65535");

    public static int PositiveInt(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException("must be a whole number greater than 0");

    public static bool Boolean(string value) => value.Trim().ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new FormatException("must be true or false"),
    };

    /// <summary>Durations as the Node template wrote them: <c>15m</c>, <c>7d</c>, <c>3600s</c>, <c>1h</c>, <c>500ms</c>, or plain seconds.</summary>
    public static TimeSpan Duration(string value)
    {
        var match = DurationPattern().Match(value);
        if (!match.Success || !long.TryParse(match.Groups["n"].Value, CultureInfo.InvariantCulture, out var n) || n <= 0)
            throw new FormatException("must be a positive duration such as 30s, 15m, 1h or 7d");

        return match.Groups["unit"].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "" or "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
    }

    public const int MinimumSecretBytes = 32;

    /// <summary>A key given as text (JWT secrets, the message key): at least <see cref="MinimumSecretBytes"/> bytes of UTF-8.</summary>
    public static byte[] Secret(string value) =>
        System.Text.Encoding.UTF8.GetBytes(value) is { Length: >= MinimumSecretBytes } bytes
            ? bytes
            : throw new FormatException($"must be at least {MinimumSecretBytes} bytes long");

    /// <summary>
    /// What a key must be outside Development: not a value of the repository's examples (a deployment that forgot
    /// to change one would accept tokens and read messages anyone can forge), and not guessable by its shape.
    /// </summary>
    public static byte[] StrongSecret(string value)
    {
        var bytes = Secret(value);
        var lower = value.ToLowerInvariant();
        if (PlaceholderMarkers.Any(lower.Contains))
            throw new FormatException("is a placeholder of an example file, not a key: generate one with `openssl rand -base64 48`");
        if (EntropyBits(value) < MinimumEntropyBits)
            throw new FormatException($"has too little entropy (under {MinimumEntropyBits} bits): generate one with `openssl rand -base64 48`");
        return bytes;
    }

    private const int MinimumEntropyBits = 128;

    private static readonly string[] PlaceholderMarkers =
        ["change-me", "changeme", "replace-me", "replace_me", "example", "dev-only", "codegen-only", "placeholder", "your-secret"];

    /// <summary>The value's length times the Shannon entropy of its characters: an upper bound of what a guesser faces.</summary>
    private static double EntropyBits(string value) =>
        value.GroupBy(c => c).Sum(g => (double)g.Count() / value.Length * -Math.Log2((double)g.Count() / value.Length)) * value.Length;

    public static Uri AbsoluteUrl(string value, params string[] schemes) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase)
            ? uri
            : throw new FormatException($"must be a URL starting with {string.Join(" or ", schemes.Select(s => s + "://"))}");

    [GeneratedRegex(@"^(?<n>\d{1,9})\s*(?<unit>ms|s|m|h|d|)$")]
    private static partial Regex DurationPattern();
}
