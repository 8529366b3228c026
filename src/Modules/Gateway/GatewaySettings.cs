using Modular.BuildingBlocks.Configuration;
using Modular.Gateway.Http;
using StackExchange.Redis;

namespace Modular.Gateway;

/// <summary>The gateway's configuration variables (README, Configuration).</summary>
/// <param name="TrustedProxies"><c>TRUSTED_PROXIES</c>: the networks whose <c>X-Forwarded-For</c> names the client (the Ingress).</param>
internal sealed record GatewaySettings(ConfigurationOptions Redis, JwtSettings Jwt, ThrottleSettings Throttle,
    IReadOnlyList<System.Net.IPNetwork> TrustedProxies, LoginSettings Login)
{
    public static GatewaySettings Read(SettingsReader settings)
    {
        var redis = settings.Required("REDIS_URL", ParseRedisUrl, secret: true);
        var accessSecret = settings.RequiredKey("JWT_ACCESS_SECRET");
        var refreshSecret = settings.RequiredKey("JWT_REFRESH_SECRET");
        if (accessSecret.AsSpan().SequenceEqual(refreshSecret))
            throw new InvalidSettingException("JWT_REFRESH_SECRET", "must differ from JWT_ACCESS_SECRET");

        var jwt = new JwtSettings(
            accessSecret,
            refreshSecret,
            settings.Optional("JWT_EXPIRES_IN", TimeSpan.FromMinutes(15), SettingParsers.Duration),
            settings.Optional("JWT_REFRESH_EXPIRES_IN", TimeSpan.FromDays(7), SettingParsers.Duration),
            settings.Optional("SESSION_MAX_LIFETIME", TimeSpan.FromDays(30), SettingParsers.Duration));
        var throttle = new ThrottleSettings(
            settings.Optional("THROTTLE_LIMIT", 100, SettingParsers.PositiveInt),
            settings.Optional("THROTTLE_TTL", TimeSpan.FromSeconds(60), SettingParsers.Duration),
            settings.Optional("AUTH_THROTTLE_LIMIT", 10, SettingParsers.PositiveInt));
        var proxies = settings.Optional("TRUSTED_PROXIES", [], ParseNetworks);
        var login = new LoginSettings(settings.Optional("REQUIRE_VERIFIED_EMAIL", false, SettingParsers.Boolean));
        return new GatewaySettings(redis, jwt, throttle, proxies, login);
    }

    /// <summary>A comma list of CIDR networks or single addresses: <c>10.0.0.0/8,192.168.1.10</c>.</summary>
    internal static IReadOnlyList<System.Net.IPNetwork> ParseNetworks(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(entry =>
            System.Net.IPNetwork.TryParse(entry, out var network) ? network
            : System.Net.IPAddress.TryParse(entry, out var address) ? new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8)
            : throw new FormatException($"must be a comma list of networks such as 10.0.0.0/8; '{entry}' is not one")).ToArray();

    /// <summary><c>redis://[user:pass@]host:port[/db]</c>; <c>rediss://</c> for TLS.</summary>
    internal static ConfigurationOptions ParseRedisUrl(string value)
    {
        var uri = SettingParsers.AbsoluteUrl(value, "redis", "rediss");
        if (uri.Host == "") throw new FormatException("must name a host: redis://host:6379");

        var options = new ConfigurationOptions
        {
            // Start and keep serving while Redis is away; a command waits at most AsyncTimeout for it, then
            // the request answers 503.
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
            ConnectRetry = 1,
            Ssl = uri.Scheme == "rediss",
        };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);

        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo.Length == 2)
        {
            if (userInfo[0] != "") options.User = Uri.UnescapeDataString(userInfo[0]);
            options.Password = Uri.UnescapeDataString(userInfo[1]);
        }

        var db = uri.AbsolutePath.Trim('/');
        if (db != "")
            options.DefaultDatabase = int.TryParse(db, out var n) && n >= 0
                ? n
                : throw new FormatException("must end in a database number: redis://host:6379/0");
        return options;
    }
}

/// <param name="RequireVerifiedEmail"><c>REQUIRE_VERIFIED_EMAIL</c>: a password login needs a verified address too.</param>
internal sealed record LoginSettings(bool RequireVerifiedEmail);

/// <param name="AccessSecret">HMAC key of access tokens (<c>JWT_ACCESS_SECRET</c>).</param>
/// <param name="RefreshSecret">HMAC key of refresh tokens (<c>JWT_REFRESH_SECRET</c>), never the same.</param>
/// <param name="SessionMaxLifetime">How long a session lasts from its login however often it is refreshed (<c>SESSION_MAX_LIFETIME</c>).</param>
internal sealed record JwtSettings(byte[] AccessSecret, byte[] RefreshSecret, TimeSpan AccessLifetime, TimeSpan RefreshLifetime,
    TimeSpan SessionMaxLifetime)
{
    public const string Issuer = "modular-gateway";
    public const string Audience = "modular-api";
}
