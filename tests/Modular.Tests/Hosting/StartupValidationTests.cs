using Modular.BuildingBlocks.Persistence;
using Modular.Tests.Infrastructure;
using Npgsql;

namespace Modular.Tests.Hosting;

/// <summary>Every variable is validated at start-up: a bad one stops the process with one line naming it.</summary>
public sealed class StartupValidationTests
{
    private static Dictionary<string, string> ValidEnvironment() => new(TestEnvironment.SingleProcess(smtpPort: 2525))
    {
        ["PORT"] = TestEnvironment.FreeTcpPort().ToString(),
        ["DATABASE_URL"] = TestEnvironment.DatabaseUrlFor("modular_misc_test"),
    };

    [Theory]
    [InlineData("JWT_ACCESS_SECRET", null, "is required")]
    [InlineData("JWT_ACCESS_SECRET", "too-short-secret", "at least 32 bytes")]
    [InlineData("JWT_REFRESH_SECRET", TestEnvironment.AccessSecret, "must differ from JWT_ACCESS_SECRET")]
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
    [InlineData("SMTP_URL", "http://mail.example.com", "smtp://")]
    [InlineData("SMTP_URL", "smtp://mail.example.com?tls=maybe", "tls=required")]
    [InlineData("MAIL_FROM", "nobody", "e-mail address")]
    [InlineData("ADMIN_EMAILS", "root", "'root' is not one")]
    [InlineData("NODE_ENV", "banana", "one of production")]
    public async Task a_missing_or_bad_variable_stops_the_process_with_one_line_naming_it(string variable, string? value, string reason)
    {
        var environment = ValidEnvironment();
        if (value is null) environment.Remove(variable);
        else environment[variable] = value;

        await using var host = HostProcess.Start(environment);
        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        exitCode.ShouldNotBe(0);
        var line = host.Errors.Trim().ShouldNotBeNull();
        line.Split('\n').Length.ShouldBe(1, host.Errors);
        line.ShouldContain(variable);
        line.ShouldContain(reason);
        line.ShouldNotContain("secret-pw");
        line.ShouldNotContain("too-short-secret");
    }

    [Fact]
    public async Task NODE_ENV_names_the_environment_when_ASPNETCORE_ENVIRONMENT_is_unset()
    {
        var environment = ValidEnvironment();
        environment["NODE_ENV"] = "production";

        await using var host = HostProcess.Start(environment);
        await host.WaitForOutputAsync("Hosting environment: Production", TimeSpan.FromSeconds(90));
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
