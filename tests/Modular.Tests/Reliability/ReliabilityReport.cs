using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Modular.Tests.Reliability;

/// <summary>
/// The fault suite's results. With RELIABILITY_REPORT set (make reliability sets it to docs/reliability.md) the table of
/// the run is written there after each fault, so a run cut short still leaves what it measured.
/// </summary>
public static class ReliabilityReport
{
    public sealed record Row(
        string Fault, int Requests, IReadOnlyDictionary<int, int> ByStatus, IReadOnlyList<string> Unexpected,
        TimeSpan FaultDuration, TimeSpan Recovery, int Registered, int Unsettled, int SettledByRetry, int RepeatedEmails,
        IReadOnlyList<(string Role, long? PeakMiB, int LimitMiB, int? OomKills)> Memory, bool Limited)
    {
        public override string ToString() =>
            $"{Fault}: {Requests} requests ({Statuses(ByStatus)}), fault {Seconds(FaultDuration)} s, recovery {Seconds(Recovery)} s, " +
            $"{Registered} accounts ({Unsettled} answered 5xx/cut, {SettledByRetry} settled by a key retry), {RepeatedEmails} e-mails repeated; " +
            string.Join(", ", Memory.Select(m => $"{m.Role} peak {m.PeakMiB?.ToString() ?? "?"}/{m.LimitMiB} MiB"));
    }

    private static readonly ConcurrentQueue<Row> Rows = new();

    public static void Add(Row row)
    {
        Rows.Enqueue(row);
        if (Environment.GetEnvironmentVariable("RELIABILITY_REPORT") is { Length: > 0 } path) File.WriteAllText(path, Markdown());
    }

    private static string Statuses(IReadOnlyDictionary<int, int> byStatus) =>
        string.Join(", ", byStatus.Select(s => $"{(s.Key == LoadDriver.Cut ? "cut" : s.Key.ToString())} x{s.Value}"));

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);

    private static string Markdown()
    {
        var rows = Rows.ToList();
        var text = new StringBuilder();
        text.AppendLine("# Reliability: faults under load, and what they cost");
        text.AppendLine();
        text.AppendLine($"Written by `make reliability` (tests/Modular.Tests/Reliability) on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: the split " +
                        "topology (two gateways, a user-service, a notification-service, the Kafka test broker, a Redis and a " +
                        "PostgreSQL database of its own) under a steady mixed load (each client registers with an Idempotency-Key, " +
                        "logs in, reads /me and refreshes, over both gateways behind a balancer), one fault at a time. " +
                        (rows.All(r => r.Limited)
                            ? "Every role ran under the seed's limits (cgroup v1: gateway and user-service 500m CPU / 256 MiB, notification-service 200m / 128 MiB)."
                            : "The roles ran without cgroup limits (not root, or no cgroup v1)."));
        text.AppendLine();
        text.AppendLine("Checked for every fault: only documented answers; every 201 register has exactly one account and one welcome " +
                        "e-mail (one Message-ID); every register answered 5xx or cut, retried with its key, answers 201 with the " +
                        "account (created once); every operation succeeds again within 30 s of the fault's end, nothing restarted " +
                        "but the faulty part; the user-service's outbox drained. Recovery: from the end of the fault (the restarted " +
                        "process started, the dependency back) to the last failed answer.");
        text.AppendLine();
        text.AppendLine("| fault | requests | answers | fault lasted | recovery | accounts | 5xx/cut registers, settled by key retry | e-mails repeated | peak memory (MiB of limit) |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var row in rows)
            text.AppendLine($"| {row.Fault} | {row.Requests} | {Statuses(row.ByStatus)} | {Seconds(row.FaultDuration)} s | {Seconds(row.Recovery)} s | " +
                            $"{row.Registered} | {row.Unsettled}, {row.SettledByRetry} | {row.RepeatedEmails} | " +
                            string.Join("; ", row.Memory.Select(m => $"{m.Role} {m.PeakMiB?.ToString() ?? "-"}/{m.LimitMiB}" + (m.OomKills > 0 ? $" ({m.OomKills} OOM kills)" : ""))) + " |");
        return text.ToString();
    }
}
