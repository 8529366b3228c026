using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using netDumbster.smtp;

namespace Modular.Bench;

/// <summary>A real SMTP server on loopback that notes when the first e-mail to each address arrived.</summary>
internal sealed class ArrivalServer : IDisposable
{
    private readonly SimpleSmtpServer _server;
    private readonly ConcurrentDictionary<string, long> _arrivals = new(StringComparer.OrdinalIgnoreCase);
    private long _count;

    public ArrivalServer(int port)
    {
        _server = Configuration.Configure().WithAddress(IPAddress.Loopback).WithPort(port).Build();
        _server.MessageReceived += (_, e) =>
        {
            // Taken first: the handler's own work must not count as delivery time.
            var now = Stopwatch.GetTimestamp();
            foreach (var address in e.Message.ToAddresses) _arrivals.TryAdd(address.Address, now);
            Interlocked.Increment(ref _count);
            Arrived?.Invoke(Interlocked.Read(ref _count));
            // The bench sends thousands of e-mails; netDumbster would keep every one in memory.
            _server.ClearReceivedEmail();
        };
    }

    public event Action<long>? Arrived;

    public long Count => Interlocked.Read(ref _count);

    public bool TryGetArrival(string address, out long timestamp) => _arrivals.TryGetValue(address, out timestamp);

    public void Dispose() => _server.Stop();
}

/// <summary>
/// Register -> welcome e-mail, as a user sees it: sequential registrations, and for each the time from
/// the register response to the arrival of its e-mail at the SMTP server (the processes' SMTP_URL).
/// Negative when the e-mail arrives before the response: in one process both race after the commit.
/// </summary>
internal static class MailLatency
{
    public static async Task<int> RunAsync(Options options)
    {
        var gateways = options.List("gateway");
        var count = options.Int("count", 50);
        using var server = new ArrivalServer(options.Int("smtp-port", 0));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        var prefix = $"mail-{Guid.NewGuid():N}"[..17];
        var responses = new (string Email, long At)[count];
        for (var i = 0; i < count; i++)
        {
            var email = $"{prefix}-{i}@bench.test";
            var response = await http.PostAsync($"{gateways[i % gateways.Length]}/api/v1/auth/register", Register.Body(email));
            await response.Content.ReadAsByteArrayAsync();
            var at = Stopwatch.GetTimestamp();
            if (response.StatusCode != HttpStatusCode.Created)
                throw new InvalidOperationException($"register answered {(int)response.StatusCode}, not 201");
            responses[i] = (email, at);
        }

        // Every e-mail, or what came within the wait: a lost e-mail shows as received < count.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (responses.Any(r => !server.TryGetArrival(r.Email, out _)) && DateTime.UtcNow < deadline)
            await Task.Delay(20);

        var latencies = responses
            .Select(r => server.TryGetArrival(r.Email, out var arrived) ? Stopwatch.GetElapsedTime(r.At, arrived).TotalMilliseconds : (double?)null)
            .OfType<double>().Order().ToArray();
        Json.WriteLine(new Measurement
        {
            Kind = "mail",
            Topology = options.Optional("topology"),
            Row = "mail",
            Count = count,
            Received = latencies.Length,
            P50Ms = Percentile.Of(latencies, 50),
            P99Ms = Percentile.Of(latencies, 99),
        });
        return 0;
    }
}

/// <summary>The SMTP server the processes send to while no latency is measured: it takes every e-mail and drops it.</summary>
internal static class SmtpSink
{
    public static async Task<int> RunAsync(Options options)
    {
        var countFile = options.Optional("count-file");
        using var server = new ArrivalServer(options.Int("port", 0));
        var gate = new Lock();
        if (countFile is not null)
        {
            File.WriteAllText(countFile, "0");
            // Lets the script wait until the e-mails of a burst are all sent.
            server.Arrived += n => { lock (gate) File.WriteAllText(countFile, n.ToString()); };
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        await stop.Task;
        Console.Error.WriteLine($"[bench] smtp-sink received {server.Count} e-mails");
        return 0;
    }
}

internal static class Percentile
{
    /// <summary>Nearest rank of an ascending array; null when there is nothing to rank.</summary>
    public static double? Of(double[] sorted, double percentile) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
