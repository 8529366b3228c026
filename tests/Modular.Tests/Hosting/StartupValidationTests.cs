using Modular.Tests.Infrastructure;

namespace Modular.Tests.Hosting;

/// <summary>Every variable is validated at start-up: a bad one stops the process with one line naming it.</summary>
public sealed class StartupValidationTests
{
    private static Dictionary<string, string> ValidEnvironment() => new(TestEnvironment.SingleProcess(smtpPort: 2525))
    {
        ["PORT"] = TestEnvironment.FreeTcpPort().ToString(),
        ["DATABASE_URL"] = TestEnvironment.DatabaseUrlFor("modular_misc_test"),
    };

    // One per failure class (every bad value of the variables read by plain functions: tests/Modular.UnitTests/Configuration),
    // and the variables whose parsers live inside a module's registration.
    [Theory]
    [InlineData("JWT_ACCESS_SECRET", null, "is required")]
    [InlineData("PORT", "70000", "port number")]
    [InlineData("MESSAGE_ENCRYPTION_KEY", "dev-only-message-key-0123456789abcdef", "placeholder")] // outside Development
    [InlineData("DATABASE_URL", "mysql://user:secret-pw@db/app", "postgres://")] // a secret's value is never echoed
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
    }

    [Fact]
    public async Task NODE_ENV_names_the_environment_when_ASPNETCORE_ENVIRONMENT_is_unset()
    {
        var environment = ValidEnvironment();
        environment["NODE_ENV"] = "production";

        await using var host = HostProcess.Start(environment);
        await host.WaitForOutputAsync("Hosting environment: Production", TimeSpan.FromSeconds(90));
    }
}
