using Microsoft.Extensions.Configuration;

namespace Modular.BuildingBlocks.Configuration;

/// <summary>
/// Reads the process's configuration variables (README, Configuration) by their environment-variable names.
/// Every module reads its own variables through one of these, so the set of variables a role reads
/// is known from the code itself (<see cref="VariablesRead"/>), and a bad value stops start-up with
/// one line naming the variable.
/// </summary>
public sealed class SettingsReader(IConfiguration configuration)
{
    private readonly SortedSet<string> _read = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _secrets = new(StringComparer.Ordinal);

    /// <summary>The variables read so far: exactly those the running modules depend on.</summary>
    public IReadOnlyCollection<string> VariablesRead => _read;

    /// <summary>Those of <see cref="VariablesRead"/> that hold secrets (keys, passwords in URLs): deployments take them from a Secret.</summary>
    public IReadOnlyCollection<string> SecretsRead => _secrets;

    public T Required<T>(string name, Func<string, T> parse, bool secret = false) =>
        Raw(name, secret) is { } value
            ? Parse(name, value, parse, secret)
            : throw new InvalidSettingException(name, "is required but not set");

    public T Optional<T>(string name, T fallback, Func<string, T> parse, bool secret = false) =>
        Raw(name, secret) is { } value ? Parse(name, value, parse, secret) : fallback;

    /// <summary>Outside Development, keys must not be the examples' placeholders or of low entropy (<see cref="SettingParsers.StrongSecret"/>).</summary>
    public bool KeysMustBeStrong { get; init; }

    /// <summary>A key (HMAC or encryption), at least 32 bytes; strong outside Development.</summary>
    public byte[] RequiredKey(string name) =>
        Required<byte[]>(name, KeysMustBeStrong ? SettingParsers.StrongSecret : SettingParsers.Secret, secret: true);

    public byte[]? OptionalKey(string name) =>
        Optional<byte[]?>(name, null, KeysMustBeStrong ? SettingParsers.StrongSecret : SettingParsers.Secret, secret: true);

    public string? Optional(string name) => Raw(name, secret: false);

    private string? Raw(string name, bool secret)
    {
        _read.Add(name);
        if (secret) _secrets.Add(name);
        var value = configuration[name];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static T Parse<T>(string name, string value, Func<string, T> parse, bool secret)
    {
        try
        {
            return parse(value);
        }
        catch (FormatException e)
        {
            // Secrets and URLs with passwords are never echoed back.
            var shown = secret ? "" : $" (got '{value}')";
            throw new InvalidSettingException(name, e.Message + shown);
        }
    }
}

/// <summary>A configuration variable is missing or malformed; the process must not start.</summary>
public sealed class InvalidSettingException(string variable, string problem)
    : Exception($"Invalid configuration: {variable} {problem}")
{
    public string Variable { get; } = variable;
}
