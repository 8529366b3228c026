using System.Net;
using System.Net.Sockets;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// A port that refuses connections until <see cref="Open"/>, then forwards them to a real server:
/// a dependency that is down when a process starts and comes up later.
/// </summary>
public sealed class TcpForwarder(int targetPort) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;

    public int Port { get; } = TestEnvironment.FreeTcpPort();

    public void Open()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener!.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(async () =>
            {
                using var _ = client;
                using var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, targetPort, _stop.Token);
                await Task.WhenAny(
                    client.GetStream().CopyToAsync(server.GetStream(), _stop.Token),
                    server.GetStream().CopyToAsync(client.GetStream(), _stop.Token));
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener?.Stop();
    }
}
