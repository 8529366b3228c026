using System.Net;
using System.Net.Sockets;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// A port that refuses connections until <see cref="Open"/>, then forwards them to a real server:
/// a dependency that is down when a process starts and comes up later.
/// </summary>
public sealed class TcpForwarder(int targetPort) : IDisposable
{
    private readonly List<TcpClient> _connections = [];
    private CancellationTokenSource _stop = new();
    private TcpListener? _listener;

    public int Port { get; } = TestEnvironment.FreeTcpPort();

    public void Open()
    {
        _stop = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        var listener = _listener;
        var stop = _stop.Token;
        _ = Task.Run(() => AcceptAsync(listener, stop));
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop);
            lock (_connections) _connections.Add(client);
            _ = Task.Run(async () =>
            {
                using var _ = client;
                using var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, targetPort, stop);
                await Task.WhenAny(
                    client.GetStream().CopyToAsync(server.GetStream(), stop),
                    server.GetStream().CopyToAsync(client.GetStream(), stop));
            });
        }
    }

    /// <summary>The dependency goes away: open connections drop and new ones are refused.</summary>
    public void Close()
    {
        _stop.Cancel();
        _listener?.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections) connection.Dispose();
            _connections.Clear();
        }
    }

    public void Dispose() => Close();
}
