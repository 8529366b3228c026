using System.Diagnostics;
using System.Net;
using System.Text;

namespace Modular.Bench;

internal static class Register
{
    public const string Password = "bench password 1";

    public static StringContent Body(string email) =>
        new($$"""{"email":"{{email}}","password":"{{Password}}","name":"Bench User"}""", Encoding.UTF8, "application/json");
}

/// <summary>
/// The memory pass's load: <c>--count</c> registrations from <c>--clients</c> concurrent clients, spread
/// over the gateways. Each one hashes a password and sends an e-mail, so it loads every role.
/// </summary>
internal static class Burst
{
    public static async Task<int> RunAsync(Options options)
    {
        var gateways = options.List("gateway");
        var count = options.Int("count", 200);
        // A slow hasher under a CPU quota would make the burst last minutes: no new registration after this.
        var seconds = options.Int("seconds", 30);
        var clients = options.Int("clients", 16);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { Timeout = TimeSpan.FromSeconds(60) };

        var prefix = $"burst-{Guid.NewGuid():N}"[..18];
        var next = -1;
        int ok = 0, failed = 0;
        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        var stopStarting = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            int i;
            while (clock.Elapsed < stopStarting && (i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var response = await http.PostAsync($"{gateways[i % gateways.Length]}/api/v1/auth/register", Register.Body($"{prefix}-{i}@bench.test"));
                    await response.Content.ReadAsByteArrayAsync();
                    Interlocked.Increment(ref response.StatusCode == HttpStatusCode.Created ? ref ok : ref failed);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failed);
                }
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        var done = Math.Min(count, next + 1);
        latencies = latencies[..done];
        Array.Sort(latencies);

        Json.WriteLine(new Measurement
        {
            Kind = "burst",
            Topology = options.Optional("topology"),
            Row = "burst",
            Count = ok + failed,
            Threads = clients,
            Ok = ok,
            Failed = failed,
            Seconds = clock.Elapsed.TotalSeconds,
            Rps = ok / clock.Elapsed.TotalSeconds,
            P50Ms = Percentile.Of(latencies, 50),
            P99Ms = Percentile.Of(latencies, 99),
        });
        return 0;
    }
}
