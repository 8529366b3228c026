using System.Diagnostics;
using StackExchange.Redis;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// A Redis server of one test's own (Debian's redis-server, as scripts/services.sh starts the shared one), on a port of
/// its own, in memory only: a test can stop it, start it again empty on the same port, or stall it, without touching
/// the server the other tests use.
/// </summary>
public sealed class PrivateRedis : IDisposable
{
    private Process? _server;

    public int Port { get; } = TestEnvironment.FreeTcpPort();

    public string Url => $"redis://127.0.0.1:{Port}";

    /// <summary>Starts the server (empty) and waits until it answers PING.</summary>
    public async Task StartAsync()
    {
        // DEBUG is refused by default since Redis 7; "local" allows it from loopback, for Stall.
        _server = Process.Start(new ProcessStartInfo("redis-server",
            ["--bind", "127.0.0.1", "--port", Port.ToString(), "--save", "", "--appendonly", "no", "--enable-debug-command", "local"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var answered = await Eventually.ReadAsync(async () =>
        {
            if (_server.HasExited) throw new InvalidOperationException($"redis-server exited with {_server.ExitCode}");
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500");
                await connection.GetDatabase().PingAsync();
                return true;
            }
            catch (RedisConnectionException)
            {
                return false;
            }
        }, up => up, TimeSpan.FromSeconds(20));
        if (!answered) throw new TimeoutException($"redis-server on port {Port} did not answer within 20 s");
    }

    /// <summary>Stops the server at once (SIGKILL): everything it held is gone.</summary>
    public async Task StopAsync()
    {
        if (_server is null || _server.HasExited) return;
        _server.Kill();
        await _server.WaitForExitAsync();
        _server.Dispose();
        _server = null;
    }

    /// <summary>Stalls the server: it answers nothing for <paramref name="duration"/> (DEBUG SLEEP), then all it queued.</summary>
    public async Task StallAsync(TimeSpan duration)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},allowAdmin=true,syncTimeout={(int)duration.TotalMilliseconds + 5000}");
        await connection.GetDatabase().ExecuteAsync("DEBUG", "SLEEP", duration.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        if (_server is { HasExited: false }) _server.Kill();
        _server?.Dispose();
    }
}
