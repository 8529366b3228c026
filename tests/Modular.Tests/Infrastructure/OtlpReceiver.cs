using System.Net;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// The receiving end of OTLP over HTTP (<c>POST /v1/traces</c>, protobuf) that the hosts under test export to: it
/// keeps every payload as it came. A trace id is 16 raw bytes in the protobuf and a service name its UTF-8 string,
/// so "this process exported a span of that trace" is visible without decoding.
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<byte[]> _payloads = [];

    public OtlpReceiver()
    {
        Port = TestEnvironment.FreeTcpPort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ReceiveAsync);
    }

    public int Port { get; }

    /// <summary>The variables that make a host export its traces here, at once rather than every 5 s.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{Port}",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
    };

    /// <summary>
    /// Waits until, for each of <paramref name="texts"/>, some payload holds both it and <paramref name="traceId"/> (hex):
    /// spans of one trace come in several exports (the Redis instrumentation flushes on its own clock).
    /// </summary>
    public async Task<bool> WaitForSpansAsync(string traceId, params string[] texts)
    {
        var id = Convert.FromHexString(traceId);
        var strings = texts.Select(t => System.Text.Encoding.UTF8.GetBytes(t)).ToArray();
        return await Eventually.ReadAsync(() =>
        {
            lock (_payloads) return Task.FromResult(strings.All(s => _payloads.Any(p => p.AsSpan().IndexOf(id) >= 0 && p.AsSpan().IndexOf(s) >= 0)));
        }, found => found, TimeSpan.FromSeconds(30));
    }

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            lock (_payloads) _payloads.Add(body.ToArray());
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}
