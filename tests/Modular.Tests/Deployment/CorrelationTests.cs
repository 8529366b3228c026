using System.Net.Http.Json;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Deployment;

/// <summary>
/// A request's correlation id, returned in <c>X-Correlation-Id</c>, is on the log lines of every module that
/// handles what the request caused: the gateway, Users and Notifications, in one process and across three.
/// The hosts run as published, in Production, where every log line is a JSON object with its scopes.
/// </summary>
public sealed class CorrelationTests
{
    private static readonly string DatabaseUrl = TestEnvironment.DeploymentDatabaseUrl;

    [Fact]
    public async Task in_one_process_the_registration_its_user_and_its_welcome_email_log_the_requests_correlation_id()
    {
        using var mail = new Mailbox();
        var settings = TestEnvironment.SingleProcess(mail.Port);
        settings["DATABASE_URL"] = TestEnvironment.DatabaseUrlFor("modular_misc_test");
        var (host, url) = await HostProcess.StartReadyAsync(settings);
        await using var _ = host;

        var id = await RegisterAsync(url, mail);

        await host.WaitForLineAsync(TimeSpan.FromSeconds(30), id, "Sent the welcome e-mail");
        LinesWith(host, id).ShouldSatisfyAllConditions(
            lines => lines.ShouldContain(l => l.Contains("answered 201")),
            lines => lines.ShouldContain(l => l.Contains("Registered user")));
    }

    [Fact]
    public async Task across_the_split_services_each_logs_the_requests_correlation_id()
    {
        using var mail = new Mailbox();
        Dictionary<string, string> Settings(string modules)
        {
            var settings = TestEnvironment.Split(modules, mail.Port);
            settings["DATABASE_URL"] = DatabaseUrl;
            return settings;
        }
        var (users, _) = await HostProcess.StartReadyAsync(Settings("users"));
        await using var _users = users;
        var (notifications, _) = await HostProcess.StartReadyAsync(Settings("notifications"));
        await using var _notifications = notifications;
        var (gateway, url) = await HostProcess.StartReadyAsync(Settings("gateway"));
        await using var _gateway = gateway;
        using (var http = new HttpClient { BaseAddress = new Uri(url) }) await HostProcess.WaitUntilRequestsFlowAsync(http);

        var id = await RegisterAsync(url, mail);

        // The notification-service may first work through events of earlier tests: wait for this one's line.
        await notifications.WaitForLineAsync(TimeSpan.FromSeconds(60), id, "Sent the welcome e-mail");
        // Each process writes its log lines in blocks (BufferedStdout): wait for its own, as for the e-mail's.
        await gateway.WaitForLineAsync(TimeSpan.FromSeconds(10), id, "answered 201");
        await users.WaitForLineAsync(TimeSpan.FromSeconds(10), id, "Registered user");
    }

    /// <summary>Registers an account; returns the correlation id the gateway answered with, once the welcome e-mail is out.</summary>
    private static async Task<string> RegisterAsync(string url, Mailbox mail)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var email = $"correlated-{Guid.NewGuid():N}@example.com";
        var response = await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password = Api.Password });
        ((int)response.StatusCode).ShouldBe(201);
        var id = response.Headers.GetValues(Modular.BuildingBlocks.Observability.Correlation.Header).Single();
        id.ShouldMatch("^[0-9a-f]{32}$");
        await mail.WaitForAsync(email);
        return id;
    }

    private static List<string> LinesWith(HostProcess host, string correlationId) =>
        host.Output.Split('\n').Where(line => line.Contains(correlationId)).ToList();
}
