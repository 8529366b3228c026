using Modular.BuildingBlocks.Messaging;
using System.Net.Http.Json;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts;

namespace Modular.Tests.Deployment;

/// <summary>
/// The split services stopped as Docker and Kubernetes stop them (SIGTERM, then SIGKILL after 30 s): each
/// finishes what it has accepted, requests and messages, and exits by itself.
/// </summary>
public sealed class GracefulShutdownTests
{
    private static readonly string DatabaseUrl = TestEnvironment.DeploymentDatabaseUrl;
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(30);

    private static Task<(HostProcess Host, string Url)> StartAsync(string modules, int smtpPort, Action<Dictionary<string, string>>? change = null)
    {
        var settings = TestEnvironment.Split(modules, smtpPort);
        settings["DATABASE_URL"] = DatabaseUrl;
        change?.Invoke(settings);
        return HostProcess.StartReadyAsync(settings);
    }

    [Fact]
    public async Task a_gateway_stopped_with_sigterm_answers_every_request_it_had_already_received()
    {
        using var mail = new Mailbox();
        var (users, _) = await StartAsync("users", mail.Port);
        await using var _users = users;
        var (gateway, url) = await StartAsync("gateway", mail.Port, s => s["REQUEST_TIMEOUT"] = "30s");
        await using var _gateway = gateway;
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = GracePeriod };
        await HostProcess.WaitUntilRequestsFlowAsync(http);

        // user-service frozen: the registrations wait in the gateway for their replies.
        users.Suspend(true);
        var emails = Enumerable.Range(0, 5).Select(i => $"sigterm{i}-{Guid.NewGuid():N}@example.com").ToArray();
        var answers = emails.Select(email => http.PostAsJsonAsync("/api/v1/auth/register", new { email, password = Api.Password })).ToArray();
        await WaitUntilInProgressAsync(url, emails.Length);

        var exit = gateway.TerminateAsync(GracePeriod);
        users.Suspend(false);

        (await Task.WhenAll(answers)).ShouldAllBe(a => (int)a.StatusCode == 201);
        (await exit).ShouldBe(0, gateway.Output + gateway.Errors);
    }

    [Fact]
    public async Task a_notification_service_stopped_with_sigterm_mid_burst_sends_every_email_exactly_once_after_its_restart()
    {
        using var mail = new Mailbox();
        var (users, _) = await StartAsync("users", mail.Port);
        await using var _users = users;
        // A slow provider: the stop surely comes while welcome e-mails wait for their turn.
        Action<Dictionary<string, string>> slowMail = s => { s["MAIL_RATE_PER_SECOND"] = "2"; s["MAIL_BURST"] = "1"; };
        var (notifications, _) = await StartAsync("notifications", mail.Port, slowMail);
        await using var _notifications = notifications;
        var (gateway, url) = await StartAsync("gateway", mail.Port);
        await using var _gateway = gateway;
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await HostProcess.WaitUntilRequestsFlowAsync(http);

        var emails = Enumerable.Range(0, 12).Select(i => $"drain{i}-{Guid.NewGuid():N}@example.com").ToArray();
        (await Task.WhenAll(emails.Select(email => http.PostAsJsonAsync("/api/v1/auth/register", new { email, password = Api.Password }))))
            .ShouldAllBe(a => (int)a.StatusCode == 201);
        await mail.WaitUntilAsync(_ => emails.Any(e => mail.To(e).Count > 0), TimeSpan.FromSeconds(60));

        (await notifications.TerminateAsync(GracePeriod)).ShouldBe(0, notifications.Output + notifications.Errors);
        emails.Count(e => mail.To(e).Count > 0).ShouldBeLessThan(emails.Length, "the stop came after every e-mail was out: it proves nothing");

        var (restarted, _) = await StartAsync("notifications", mail.Port, slowMail);
        await using var _restarted = restarted;
        await mail.WaitUntilAsync(_ => emails.All(e => mail.To(e).Count > 0), TimeSpan.FromSeconds(120));
        // Every event handled: the service keeps no inbox, its consumer group's offsets say it (docs/adr/0019). The
        // restarted service's second consumer joining the group rebalances it, and a commit refused then is made again
        // only when the partition moves on (TopicBacklog's nudge; seen once in a fresh-clone CI: 6 records for 90 s).
        await TopicBacklog.WaitUntilConsumedAsync(TestEnvironment.KafkaBrokers, "notification-service", UsersTopics.Events,
            nudge: () => http.PostAsJsonAsync("/api/v1/auth/register", new { email = $"drain.nudge.{Guid.NewGuid():N}@example.com", password = Api.Password }));

        // A graceful stop leaves no e-mail half sent: unlike a crash (docs/adr/0006), not even one repeats.
        foreach (var email in emails) mail.To(email).Count.ShouldBe(1, email);
    }

    /// <summary>Waits until the gateway's own metrics count <paramref name="count"/> requests in progress besides the scrape.</summary>
    private static async Task WaitUntilInProgressAsync(string url, int count)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var inProgress = await Eventually.ReadAsync(async () => (await http.GetStringAsync("/metrics")).Split('\n')
                .Where(line => line.StartsWith("http_requests_in_progress{") && !line.Contains("/metrics"))
                .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)),
            n => n >= count, TimeSpan.FromSeconds(20));
        inProgress.ShouldBeGreaterThanOrEqualTo(count, "not every request reached the gateway");
    }
}
