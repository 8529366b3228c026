using System.Diagnostics;
using System.Net;
using System.Text;

namespace Modular.Bench;

/// <summary>
/// Login throughput against the raw verify rate, alternated: <c>--rounds</c> times the hash rate for <c>--seconds</c>,
/// then logins for as long, then the hash rate once more. The speed of this shared machine moves by a fifth from
/// minute to minute; each login round is divided by the mean of the hash rounds on either side of it, and the report
/// takes the median of those ratios. Both sides count alike: the hasher's threads and the login clients start nothing
/// new after the deadline, finish what they are in, and the time runs until the last one has (wrk instead drops the
/// requests in flight at its end, a few percent of a login round).
/// </summary>
internal static class LoginRate
{
    public static async Task<int> RunAsync(Options options)
    {
        var gateways = options.List("gateway");
        var email = options.Required("email");
        var topology = options.Required("topology");
        var rounds = options.Int("rounds", 4);
        var duration = TimeSpan.FromSeconds(options.Int("seconds", 6));
        var clients = options.Int("clients", 8);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { Timeout = TimeSpan.FromSeconds(30) };
        var body = Encoding.UTF8.GetBytes($$"""{"email":"{{email}}","password":"{{Register.Password}}"}""");
        var hasher = new HashRate(Environment.ProcessorCount);

        for (var round = 0; round < rounds; round++)
        {
            Json.WriteLine(hasher.Measure(duration, topology) with { Round = round });
            Json.WriteLine(await LoginsAsync(http, gateways, body, clients, duration, topology) with { Round = round });
        }
        Json.WriteLine(hasher.Measure(duration, topology) with { Round = rounds });
        return 0;
    }

    private static async Task<Measurement> LoginsAsync(HttpClient http, string[] gateways, byte[] body, int clients, TimeSpan duration, string topology)
    {
        var latencies = new List<double>[clients];
        var errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            latencies[client] = [];
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } };
                    using var response = await http.PostAsync($"{gateways[client % gateways.Length]}/api/v1/auth/login", content);
                    await response.Content.ReadAsByteArrayAsync();
                    if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref errors);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref errors);
                }
                latencies[client].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Measurement
        {
            Kind = "login",
            Topology = topology,
            Row = "login",
            Requests = all.Length,
            Errors = errors,
            Seconds = elapsed,
            Rps = (all.Length - errors) / elapsed,
            P50Ms = Percentile.Of(all, 50),
            P99Ms = Percentile.Of(all, 99),
        };
    }
}
