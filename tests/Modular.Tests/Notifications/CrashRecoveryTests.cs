using System.Net.Http.Json;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Notifications;

/// <summary>The single process killed (SIGKILL) right after a burst of registrations: every e-mail still goes out.</summary>
public sealed class CrashRecoveryTests
{
    private static readonly string DatabaseUrl = TestEnvironment.DatabaseUrlFor("modular_crash_test");

    [Fact]
    public async Task killing_the_single_process_after_a_burst_of_registrations_loses_no_welcome_email_and_repeats_at_most_the_one_in_flight()
    {
        using var mail = new Mailbox();
        var settings = TestEnvironment.SingleProcess(mail.Port);
        settings["PORT"] = TestEnvironment.FreeTcpPort().ToString();
        settings["DATABASE_URL"] = DatabaseUrl;
        // A slow provider, so that the kill surely comes while welcome e-mails are still queued.
        settings["MAIL_RATE_PER_SECOND"] = "2";
        settings["MAIL_BURST"] = "1";
        settings["Logging__LogLevel__Wolverine"] = "Information";
        var url = $"http://127.0.0.1:{settings["PORT"]}";
        var emails = Enumerable.Range(0, 20).Select(i => $"crash{i}-{Guid.NewGuid():N}@example.com").ToArray();

        var host = HostProcess.Start(settings);
        await host.WaitUntilHealthyAsync($"{url}/health/ready", TimeSpan.FromSeconds(90));
        using (var http = new HttpClient { BaseAddress = new Uri(url) })
        {
            var answers = await Task.WhenAll(emails.Select(email =>
                http.PostAsJsonAsync("/api/v1/auth/register", new { email, password = Api.Password })));
            answers.ShouldAllBe(a => (int)a.StatusCode == 201);
        }
        await host.KillAsync();
        mail.Messages.Count.ShouldBeLessThan(emails.Length, "the kill came after every e-mail was out: it proves nothing");

        await using var restarted = HostProcess.Start(settings);
        await mail.WaitUntilAsync(_ => emails.All(e => mail.To(e).Count > 0), TimeSpan.FromSeconds(180));
        await TestDatabase.WaitUntilInboxIsDrainedAsync(DatabaseUrl, "modular");

        // Nothing lost; nothing sent twice but, at most, the one e-mail in flight at the kill (docs/adr/0006).
        foreach (var email in emails) mail.To(email).Count.ShouldBeInRange(1, 2, email);
        emails.Sum(e => mail.To(e).Count - 1).ShouldBeLessThanOrEqualTo(1);
        // ... and a repeated copy carries the first one's Message-ID, so mail clients show the e-mail once.
        foreach (var email in emails) mail.To(email).Select(m => m.Headers["Message-ID"]).Distinct().Count().ShouldBe(1, email);
    }
}
