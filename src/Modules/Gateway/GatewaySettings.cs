using Modular.BuildingBlocks.Configuration;
using Modular.Gateway.Http;
using StackExchange.Redis;

namespace Modular.Gateway;

/// <summary>The gateway's variables of spec section 2.</summary>
internal sealed record GatewaySettings(ConfigurationOptions Redis, JwtSettings Jwt, ThrottleSettings Throttle)
{
    public static GatewaySettings Read(SettingsReader settings)
    {
        var redis = settings.Required("REDIS_URL", ParseRedisUrl, secret: true);
        var accessSecret = settings.Required("JWT_ACCESS_SECRET", SettingParsers.Secret, secret: true);
        var refreshSecret = settings.Required("JWT_REFRESH_SECRET", SettingParsers.Secret, secret: true);
        if (accessSecret.AsSpan().SequenceEqual(refreshSecret))
            throw new InvalidSettingException("JWT_REFRESH_SECRET", "must differ from JWT_ACCESS_SECRET");

        var jwt = new JwtSettings(
            accessSecret,
            refreshSecret,
            settings.Optional("JWT_EXPIRES_IN", TimeSpan.FromMinutes(15), SettingParsers.Duration),
            settings.Optional("JWT_REFRESH_EXPIRES_IN", TimeSpan.FromDays(7), SettingParsers.Duration));
        var throttle = new ThrottleSettings(
            settings.Optional("THROTTLE_LIMIT", 100, SettingParsers.PositiveInt),
            settings.Optional("THROTTLE_TTL", TimeSpan.FromSeconds(60), SettingParsers.Duration),
            settings.Optional("AUTH_THROTTLE_LIMIT", 10, SettingParsers.PositiveInt));
        return new GatewaySettings(redis, jwt, throttle);
    }

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

/// <param name="AccessSecret">HMAC key of access tokens (<c>JWT_ACCESS_SECRET</c>).</param>
/// <param name="RefreshSecret">HMAC key of refresh tokens (<c>JWT_REFRESH_SECRET</c>), never the same.</param>
internal sealed record JwtSettings(byte[] AccessSecret, byte[] RefreshSecret, TimeSpan AccessLifetime, TimeSpan RefreshLifetime)
{
    public const string Issuer = "modular-gateway";
    public const string Audience = "modular-api";
}
