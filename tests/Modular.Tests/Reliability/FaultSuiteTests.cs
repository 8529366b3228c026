using System.Diagnostics;
using Modular.BuildingBlocks.Persistence;
using Modular.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Modular.Tests.Reliability;

/// <summary>
/// The fault suite (issue: reliability): a steady mixed load over both gateways while one fault at a time hits the split
/// topology, then what a user would check. Every answer is a documented one; every 201 register has exactly one account
/// and one welcome e-mail; every register answered 5xx or cut either created nothing or its retry with the same
/// Idempotency-Key returns the account; the requests succeed again within 30 s after the fault ends, with nothing
/// restarted but the faulty part; the user-service's outbox is drained. <c>make test</c> runs one burst per fault,
/// <c>make reliability</c> more (RELIABILITY_BURSTS) and writes docs/reliability.md from the run.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class FaultSuiteTests(FaultTopology topology, ITestOutputHelper output)
{
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(30);

    /// <summary>A request that is still answered while the faulty part is away: success, or an answer that says "retry".</summary>
    private static readonly int[] Success = [200, 201, 204];
    private static readonly int[] Unavailable = [503, 504];

    private static int Bursts => int.TryParse(Environment.GetEnvironmentVariable("RELIABILITY_BURSTS"), out var n) && n > 0 ? n : 1;

    private static int Clients => int.TryParse(Environment.GetEnvironmentVariable("RELIABILITY_CLIENTS"), out var n) && n > 0 ? n : 4;

    public static TheoryData<string> Faults => [.. FaultsByName.Keys];

    private sealed record Fault(Func<FaultTopology, LoadDriver, Task> Inject, int[] Allowed, bool EmailMayRepeat = false);

    private static readonly Dictionary<string, Fault> FaultsByName = new()
    {
        ["kill -9 of the user-service"] = new(async (t, _) =>
        {
            await t.Users.Process.KillAsync();
            await t.StartAsync(t.Users);
        }, [.. Success, .. Unavailable]),
        ["kill -9 of the notification-service"] = new(async (t, _) =>
        {
            await t.Notifications.Process.KillAsync();
            await t.StartAsync(t.Notifications);
        }, Success, EmailMayRepeat: true),
        ["kill -9 of one gateway"] = new(async (t, _) =>
        {
            await t.Gateways[0].Process.KillAsync();
            await t.StartAsync(t.Gateways[0]);
        }, [.. Success, .. Unavailable, LoadDriver.Cut]),
        ["Redis stopped 10 s, back empty"] = new(async (t, _) =>
        {
            await t.Redis.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(10)); // the outage itself
            await t.Redis.StartAsync();
        }, [.. Success, 503, 401]), // sessions lived in Redis: gone, every token is refused (fail closed) and clients sign in again
        ["Redis stalled 5 s (DEBUG SLEEP)"] = new((t, _) => t.Redis.StallAsync(TimeSpan.FromSeconds(5)), [.. Success, 503]),
        ["PostgreSQL restarted"] = new((_, _) => RestartPostgreSqlAsync(), [.. Success, .. Unavailable]),
        ["PostgreSQL connections killed"] = new((_, _) => TerminateConnectionsAsync(), [.. Success, .. Unavailable]),
        ["Kafka broker down 10 s"] = new(async (t, _) =>
        {
            await t.Broker.SetUpAsync(false);
            await Task.Delay(TimeSpan.FromSeconds(10)); // the outage itself
            await t.Broker.SetUpAsync(true);
        }, [.. Success, .. Unavailable]),
        ["rolling restart of both gateways"] = new(async (t, load) =>
        {
            for (var index = 0; index < t.Gateways.Length; index++)
            {
                // As Kubernetes: the endpoint leaves the Service, preStop waits, then SIGTERM; the new pod joins once ready.
                load.OutOfRotation[index] = true;
                await Task.Delay(TimeSpan.FromSeconds(1)); // preStop: requests already routed here arrive
                await t.Gateways[index].Process.TerminateAsync(TimeSpan.FromSeconds(40));
                await t.StartAsync(t.Gateways[index]);
                load.OutOfRotation.TryRemove(index, out _);
            }
        }, Success),
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task under_steady_load_the_fault_loses_nothing_repeats_nothing_and_recovery_takes_under_30_s(string name)
    {
        var fault = FaultsByName[name];
        for (var burst = 0; burst < Bursts; burst++)
        {
            var result = await RunBurstAsync(name, fault, $"{Slug(name)}-{burst}-{Guid.NewGuid():N}"[..40]);
            output.WriteLine(result.ToString());
            ReliabilityReport.Add(result);
            result.Unexpected.ShouldBeEmpty($"{name}: answers outside {string.Join(",", fault.Allowed)}");
            result.Recovery.ShouldBeLessThan(RecoveryLimit, name);
        }
    }

    private async Task<ReliabilityReport.Row> RunBurstAsync(string name, Fault fault, string prefix)
    {
        await using var load = new LoadDriver(topology, prefix, Clients);
        await WaitUntilEveryOperationSucceededAsync(load, DateTime.UtcNow, TimeSpan.FromSeconds(30), "before the fault");

        var faultStarted = DateTime.UtcNow;
        await fault.Inject(topology, load);
        var faultEnded = DateTime.UtcNow;
        await WaitUntilEveryOperationSucceededAsync(load, faultEnded, RecoveryLimit + TimeSpan.FromSeconds(5), "after the fault");
        await load.StopAsync();

        var answers = load.Answers.ToList();
        var lastFailure = answers.Where(a => a.At > faultEnded && !Success.Contains(a.Status) && a.Status != 401)
            .Select(a => a.At).DefaultIfEmpty(faultEnded).Max();
        var unsettled = load.Unsettled.Count;
        var retried = await SettleUnansweredRegistrationsAsync(load);

        // Every account the clients were told exists, once, with its one welcome e-mail.
        var registered = load.Registered.Keys.ToList();
        await topology.Mail.WaitUntilAsync(_ => registered.All(e => topology.Mail.To(e).Count > 0), TimeSpan.FromSeconds(90));
        var outboxLeft = await WaitUntilOutboxDrainedAsync();
        var accounts = await CountAccountsAsync(registered);
        accounts.Where(a => a.Value != 1).ShouldBeEmpty($"{name}: addresses without exactly one account");
        var repeated = registered.Sum(e => topology.Mail.To(e).Count - 1);
        foreach (var email in registered)
            topology.Mail.To(email).Select(m => m.Headers["Message-ID"]).Distinct().Count().ShouldBe(1, email);
        if (fault.EmailMayRepeat) repeated.ShouldBeLessThanOrEqualTo(1, "at most the e-mail accepted in the instant of the kill (ADR 6)");
        else repeated.ShouldBe(0, $"{name}: welcome e-mails sent twice");
        outboxLeft.ShouldBe(0, $"{name}: the user-service's outbox was not drained");

        return new ReliabilityReport.Row(name, answers.Count,
            answers.GroupBy(a => a.Status).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            answers.Where(a => !fault.Allowed.Contains(a.Status) && a is not { Operation: LoadDriver.RefreshAfterUnanswered, Status: 401 })
                .Select(a => $"{a.Operation} {a.Status}").Distinct().ToList(),
            faultEnded - faultStarted, lastFailure - faultEnded, registered.Count, unsettled, retried, repeated,
            topology.Roles.Select(r => (r.Name, r.PeakMiB, r.MemoryLimitMiB, r.OomKills)).ToList(), topology.Limited);
    }

    /// <summary>
    /// Waits, with the load running, until each operation has succeeded from both gateways after <paramref name="since"/>
    /// and nothing has failed for 2 s: the topology serves again.
    /// </summary>
    private async Task WaitUntilEveryOperationSucceededAsync(LoadDriver load, DateTime since, TimeSpan timeout, string when)
    {
        string[] operations = ["register", "me", "refresh"];
        var served = await Eventually.ReadAsync(() =>
        {
            var recent = load.Answers.Where(a => a.At > since).ToList();
            var lastFailure = recent.Where(a => !Success.Contains(a.Status) && a.Status != 401).Select(a => a.At).DefaultIfEmpty(since).Max();
            var clean = recent.Where(a => a.At > lastFailure).ToList();
            return Task.FromResult(DateTime.UtcNow - lastFailure > TimeSpan.FromSeconds(2)
                                   && operations.All(op => clean.Any(a => a.Operation == op && Success.Contains(a.Status))));
        }, done => done, timeout, TimeSpan.FromMilliseconds(250));
        served.ShouldBeTrue($"the topology did not serve every operation without failures {when} within {timeout.TotalSeconds} s; "
                            + Diagnosis(load));
    }

    /// <summary>What a reader of a failed run needs first: the answers of the last 10 s by operation, gateway and status,
    /// and the roles whose process has exited (the CI shows the failure's message, not the services' logs).</summary>
    private string Diagnosis(LoadDriver load)
    {
        var recent = load.Answers.Where(a => a.At > DateTime.UtcNow.AddSeconds(-10))
            .GroupBy(a => $"{a.Operation}@{a.Gateway}:{a.Status}").OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}");
        var exited = topology.Roles.Where(r => r.Process.HasExited).Select(r => $"{r.Name} exited {r.Process.ExitCode}");
        return $"last 10 s: {string.Join(" ", recent)}; {(exited.Any() ? string.Join(", ", exited) : "every role runs")}";
    }

    /// <summary>
    /// Retries every registration answered 5xx or cut with its key, as its client would, until an answer is final
    /// (409 while the first attempt still holds the key, 503/504 while the topology recovers). Returns how many got 201.
    /// </summary>
    private async Task<int> SettleUnansweredRegistrationsAsync(LoadDriver load)
    {
        var created = 0;
        foreach (var (email, key) in load.Unsettled)
        {
            var (status, body) = await Eventually.ReadAsync(
                () => load.SendAsync("register retry", HttpMethod.Post, "/api/v1/auth/register", null, new { email, password = Api.Password }, key),
                answer => answer.Status is not (409 or 503 or 504 or LoadDriver.Cut), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
            status.ShouldBe(201, $"the retry of {email} with its key");
            load.Registered[email] = body.GetProperty("user").GetProperty("id").GetGuid();
            created++;
        }
        return created;
    }

    private static async Task<long> WaitUntilOutboxDrainedAsync()
    {
        await using var connection = await TestDatabase.OpenAsync(FaultTopology.DatabaseUrl);
        return await Eventually.ReadAsync(async () =>
        {
            await using var count = new NpgsqlCommand(
                $"select count(*) from {ModularPersistence.MessageStorageSchema("user-service")}.wolverine_outgoing_envelopes", connection);
            return (long)(await count.ExecuteScalarAsync())!;
        }, n => n == 0, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
    }

    private static async Task<Dictionary<string, long>> CountAccountsAsync(IReadOnlyCollection<string> emails)
    {
        await using var connection = await TestDatabase.OpenAsync(FaultTopology.DatabaseUrl);
        await using var query = new NpgsqlCommand(
            "select e, (select count(*) from users.mt_doc_user where data->>'Email' = e) from unnest(@emails) as e", connection);
        query.Parameters.AddWithValue("emails", emails.ToArray());
        var counts = new Dictionary<string, long>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    /// <summary>Restarts the PostgreSQL cluster that serves the tests (pg_ctlcluster, as root): stop, then start, as its
    /// own restart can find the old postmaster still there ("Cluster is already running.") and leave the cluster down.</summary>
    private static async Task RestartPostgreSqlAsync()
    {
        var port = new Uri(FaultTopology.DatabaseUrl).Port;
        var restart = Process.Start(new ProcessStartInfo("bash",
        [
            "-c", "read -r version name _ < <(pg_lsclusters -h | awk -v port=\"$0\" '$3 == port') && pg_ctlcluster \"$version\" \"$name\" stop -m fast && pg_ctlcluster \"$version\" \"$name\" start",
            port.ToString(),
        ]) { RedirectStandardError = true })!;
        var errors = await restart.StandardError.ReadToEndAsync();
        await restart.WaitForExitAsync();
        restart.ExitCode.ShouldBe(0, $"pg_ctlcluster restart: {errors}");
        NpgsqlConnection.ClearAllPools(); // the suite's own idle connections died with the server; the topology's must recover alone
    }

    /// <summary>Ends every connection to the suite's database, as an administrator's pg_terminate_backend would.</summary>
    private static async Task TerminateConnectionsAsync()
    {
        await using var connection = await TestDatabase.OpenAsync(FaultTopology.DatabaseUrl);
        await using var terminate = new NpgsqlCommand(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = @database and pid <> pg_backend_pid()", connection);
        terminate.Parameters.AddWithValue("database", FaultTopology.Database);
        ((long)(await terminate.ExecuteScalarAsync())!).ShouldBeGreaterThan(0, "no connection of the topology to end");
        NpgsqlConnection.ClearAllPools(); // the suite's own idle connections were ended too; the topology's must recover alone
    }

    private static string Slug(string name) => new(name.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant).Take(16).ToArray()); // e-mails are stored lower-case
}
