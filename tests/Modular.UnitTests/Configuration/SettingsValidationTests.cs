using Microsoft.Extensions.Configuration;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Messaging;
using Modular.BuildingBlocks.Persistence;
using Modular.Gateway;
using Npgsql;

namespace Modular.UnitTests.Configuration;

/// <summary>
/// Every bad value of the variables read by plain functions, refused with the variable named and the reason, without
/// echoing a secret. The process-level start-up (one line on stderr, exit code) is tested once per failure class in
/// tests/Modular.Tests/Hosting/StartupValidationTests.cs.
/// </summary>
public sealed class SettingsValidationTests
{
    private const string AccessSecret = "test-access-secret-0123456789abcdef0123";

    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["JWT_ACCESS_SECRET"] = AccessSecret,
        ["JWT_REFRESH_SECRET"] = "test-refresh-secret-0123456789abcdef012",
        ["MESSAGE_ENCRYPTION_KEY"] = "test-message-key-0123456789abcdef0123456",
        ["REDIS_URL"] = "redis://127.0.0.1:6379/15",
        ["DATABASE_URL"] = "postgres://modular:modular@127.0.0.1:5432/modular",
    };

    /// <summary>What a process of every module reads through these functions, as the host reads it outside Development.</summary>
    private static void ReadAll(Dictionary<string, string?> variables)
    {
        var settings = new SettingsReader(new ConfigurationBuilder().AddInMemoryCollection(variables).Build()) { KeysMustBeStrong = true };
        HostRole.Read(settings, Program.Modules, KafkaSettings.Read);
        settings.Optional("PORT", 3000, SettingParsers.Port);
        MessageEncryption.Read(settings);
        GatewaySettings.Read(settings);
        settings.Required("DATABASE_URL", ModularPersistence.ParseDatabaseUrl, secret: true);
    }

    [Fact]
    public void the_valid_variables_pass()
    {
        Should.NotThrow(() => ReadAll(new(Valid)));
    }

    [Theory]
    [InlineData("JWT_ACCESS_SECRET", null, "is required")]
    [InlineData("JWT_ACCESS_SECRET", "too-short-secret", "at least 32 bytes")]
    [InlineData("JWT_REFRESH_SECRET", AccessSecret, "must differ from JWT_ACCESS_SECRET")]
    [InlineData("JWT_ACCESS_SECRET", "example-access-secret-replace-me-with-openssl-rand-base64-48", "placeholder")]
    [InlineData("JWT_REFRESH_SECRET", "change-me: at least 32 random bytes, different from JWT_ACCESS_SECRET", "placeholder")]
    [InlineData("MESSAGE_ENCRYPTION_KEY", null, "is required")]
    [InlineData("MESSAGE_ENCRYPTION_KEY", "abababababababababababababababababababab", "too little entropy")]
    [InlineData("MESSAGE_ENCRYPTION_KEY", "dev-only-message-key-0123456789abcdef", "placeholder")]
    [InlineData("JWT_EXPIRES_IN", "fifteen minutes", "duration")]
    [InlineData("JWT_REFRESH_EXPIRES_IN", "0d", "duration")]
    [InlineData("DATABASE_URL", null, "is required")]
    [InlineData("DATABASE_URL", "mysql://user:secret-pw@db/app", "postgres://")]
    [InlineData("REDIS_URL", "localhost:6379", "redis://")]
    [InlineData("REDIS_URL", null, "is required")]
    [InlineData("PORT", "70000", "port number")]
    [InlineData("MODULES", "gateway,billing", "'billing' is not one")]
    [InlineData("MODULES", "gateway", "KAFKA_BROKERS is required")]
    public void a_missing_or_bad_variable_is_refused_with_its_name_and_the_reason_and_no_secret(string variable, string? value, string reason)
    {
        var variables = new Dictionary<string, string?>(Valid);
        if (value is null) variables.Remove(variable);
        else variables[variable] = value;

        var refused = Should.Throw<InvalidSettingException>(() => ReadAll(variables));

        refused.Message.ShouldContain(variable);
        refused.Message.ShouldContain(reason);
        refused.Message.ShouldNotContain("secret-pw");
        refused.Message.ShouldNotContain("too-short-secret");
    }

    [Fact]
    public void DATABASE_URL_in_url_form_becomes_an_npgsql_connection_string()
    {
        var parsed = new NpgsqlConnectionStringBuilder(
            ModularPersistence.ParseDatabaseUrl("postgres://app%40svc:p%3Ass@db.internal:6543/orders?sslmode=require"));

        parsed.Host.ShouldBe("db.internal");
        parsed.Port.ShouldBe(6543);
        parsed.Username.ShouldBe("app@svc");
        parsed.Password.ShouldBe("p:ss");
        parsed.Database.ShouldBe("orders");
        parsed.SslMode.ShouldBe(SslMode.Require);
    }

    [Fact]
    public void DATABASE_URL_may_be_a_plain_npgsql_connection_string()
    {
        var parsed = new NpgsqlConnectionStringBuilder(
            ModularPersistence.ParseDatabaseUrl("Host=db;Port=5433;Username=app;Password=pw;Database=orders"));

        parsed.Host.ShouldBe("db");
        parsed.Port.ShouldBe(5433);
        parsed.Database.ShouldBe("orders");
    }
}
