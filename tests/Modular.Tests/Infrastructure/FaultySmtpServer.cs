using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Modular.Tests.Infrastructure;

/// <summary>An e-mail the server accepted: envelope sender, envelope recipients and the unstuffed DATA.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> To, string Data, DateTimeOffset ReceivedAt);

/// <summary>
/// A small real SMTP server (RFC 5321, plain text, no STARTTLS or AUTH) on loopback that a test can
/// make fail on purpose: refuse connections, answer transactions with a transient error, or reject
/// recipients; <see cref="Mailbox"/> is the same server that never fails, with its e-mails parsed. Tests wait on its
/// events (no sleeps).
/// </summary>
public sealed class FaultySmtpServer : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ReceivedMail> _received = [];
    private readonly Dictionary<string, int> _recipientAttempts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (int Code, string Text)> _rejected = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private TaskCompletionSource _event = NewEvent();
    private TcpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private int _attempts, _failuresLeft, _failureCode;
    private string _failureText = "";

    public FaultySmtpServer()
    {
        // Port 0 lets the OS pick a free port; later restarts (RefuseConnections = false) reuse it.
        StartListening(0);
        Port = ((IPEndPoint)_listener!.LocalEndpoint).Port;
    }

    public int Port { get; }

    /// <summary>True stops the listener, so connects fail with "connection refused" (the server is down);
    /// false listens again on the same port. Connections already open are left alone.</summary>
    public bool RefuseConnections
    {
        get { lock (_gate) return _listener is null; }
        set
        {
            lock (_gate)
            {
                if (value && _listener is not null) { _listener.Stop(); _listener = null; }
                else if (!value && _listener is null && !_stop.IsCancellationRequested) StartListening(Port);
            }
        }
    }

    /// <summary>The next <paramref name="count"/> transactions are answered at MAIL FROM with this
    /// (transient) reply; for 421 the connection is then closed, as a real server shutting down does.</summary>
    public void FailNextTransactions(int count, int code = 421, string text = "try again later")
    {
        lock (_gate) (_failuresLeft, _failureCode, _failureText) = (count, code, text);
    }

    /// <summary>RCPT TO for <paramref name="address"/> (any case) gets this (permanent) reply.</summary>
    public void RejectRecipient(string address, int code = 550, string text = "mailbox unavailable")
    {
        lock (_gate) _rejected[address] = (code, text);
    }

    /// <summary>Undoes <see cref="RejectRecipient"/>: the mailbox exists again.</summary>
    public void AcceptRecipient(string address)
    {
        lock (_gate) _rejected.Remove(address);
    }

    public IReadOnlyList<ReceivedMail> Received { get { lock (_gate) return _received.ToArray(); } }

    /// <summary>Forgets the e-mails received so far (the counts of attempts stay).</summary>
    public void Clear()
    {
        lock (_gate) _received.Clear();
    }

    public IReadOnlyList<ReceivedMail> To(string recipient) =>
        Received.Where(m => m.To.Contains(recipient, StringComparer.OrdinalIgnoreCase)).ToArray();

    /// <summary>MAIL FROM commands seen, the failed ones included: one per delivery attempt.</summary>
    public int Attempts { get { lock (_gate) return _attempts; } }

    /// <summary>RCPT TO commands seen for <paramref name="recipient"/>, accepted or not.</summary>
    public int AttemptsFor(string recipient) { lock (_gate) return _recipientAttempts.GetValueOrDefault(recipient); }

    /// <summary>Waits until <paramref name="condition"/> holds, woken by each attempt and each accepted message.</summary>
    public async Task WaitUntilAsync(Func<FaultySmtpServer, bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            // Take the event before testing, so one that fires in between is not missed.
            var next = _event.Task;
            if (condition(this)) return;
            try { await next.WaitAsync(cts.Token); }
            catch (OperationCanceledException) { throw new TimeoutException("the SMTP server never reached the expected state; " + Summary()); }
        }
    }

    public override string ToString() => Summary();

    public async ValueTask DisposeAsync()
    {
        // _stop is never disposed, so a second DisposeAsync (a test's and its fixture's) is harmless.
        _stop.Cancel(); // ends the reads of open connections, and RefuseConnections = false no longer listens
        RefuseConnections = true;
        await Task.WhenAll(_connections.Keys.Append(_acceptLoop)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private string Summary()
    {
        lock (_gate)
            return $"{_attempts} attempt(s); RCPT TO: {string.Join(", ", _recipientAttempts.Select(p => $"{p.Key} x{p.Value}"))}; " +
                $"received {_received.Count}: {string.Join("; ", _received.Select(m => $"{m.From} -> {string.Join(",", m.To)}"))}";
    }

    private void StartListening(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        // Connections the server closed linger in TIME_WAIT on this port; without this the rebind can fail.
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener);
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException) { return; } // stopped
            // A task per connection, so a slow or stuck client never holds up the others.
            var connection = Task.Run(() => ServeAsync(client));
            _connections[connection] = true;
            _ = connection.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var owned = client;
        var stream = client.GetStream();
        // No BOM, and CRLF as SMTP requires; 8BITMIME is advertised, so lines are read as UTF-8.
        var reader = new StreamReader(stream, new UTF8Encoding(false));
        var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
        string? from = null;
        var to = new List<string>();
        try
        {
            await writer.WriteLineAsync("220 faulty-smtp ESMTP ready");
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        (from, to) = (null, []);
                        await writer.WriteAsync("250-faulty-smtp\r\n250 8BITMIME\r\n");
                        break;
                    case "HELO":
                        (from, to) = (null, []);
                        await writer.WriteLineAsync("250 faulty-smtp");
                        break;
                    case "MAIL" when Argument(line, "MAIL FROM:") is { } sender:
                        (int Code, string Text)? failure = null;
                        lock (_gate)
                        {
                            _attempts++;
                            if (_failuresLeft > 0) { _failuresLeft--; failure = (_failureCode, _failureText); }
                        }
                        Signal();
                        if (failure is { } f)
                        {
                            await writer.WriteLineAsync($"{f.Code} {f.Text}");
                            if (f.Code == 421) return; // 421 means the service is closing the channel
                        }
                        else if (from is not null) await writer.WriteLineAsync("503 nested MAIL command");
                        else { from = sender; await writer.WriteLineAsync("250 OK"); }
                        break;
                    case "RCPT" when Argument(line, "RCPT TO:") is { } recipient:
                        if (from is null) { await writer.WriteLineAsync("503 need MAIL before RCPT"); break; }
                        (int Code, string Text)? rejection = null;
                        lock (_gate)
                        {
                            _recipientAttempts[recipient] = _recipientAttempts.GetValueOrDefault(recipient) + 1;
                            if (_rejected.TryGetValue(recipient, out var r)) rejection = r;
                        }
                        Signal();
                        if (rejection is { } rj) await writer.WriteLineAsync($"{rj.Code} {rj.Text}");
                        else { to.Add(recipient); await writer.WriteLineAsync("250 OK"); }
                        break;
                    case "DATA":
                        if (from is null || to.Count == 0) { await writer.WriteLineAsync("503 need MAIL and RCPT before DATA"); break; }
                        await writer.WriteLineAsync("354 end data with <CRLF>.<CRLF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(_stop.Token) is var dataLine && dataLine != ".")
                        {
                            if (dataLine is null) return; // the client went away mid-message: nothing was accepted
                            data.Append(dataLine.StartsWith('.') ? dataLine[1..] : dataLine).Append("\r\n"); // undo dot-stuffing
                        }
                        var mail = new ReceivedMail(from, to.ToArray(), data.ToString(), DateTimeOffset.UtcNow);
                        lock (_gate) _received.Add(mail);
                        (from, to) = (null, []);
                        await writer.WriteLineAsync("250 OK queued");
                        Signal();
                        break;
                    case "RSET":
                        (from, to) = (null, []);
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "NOOP":
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 bye");
                        return;
                    default:
                        await writer.WriteLineAsync(verb is "MAIL" or "RCPT" ? "501 syntax error in parameters" : "500 command not recognized");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the server is being disposed: nothing to answer.
        }
    }

    /// <summary>The address in "MAIL FROM:&lt;a@b&gt; BODY=8BITMIME", or null when the prefix does not match.</summary>
    private static string? Argument(string line, string prefix)
    {
        if (!line.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return null;
        var rest = line[prefix.Length..].TrimStart();
        if (!rest.StartsWith('<')) return rest.Split(' ', 2)[0];
        var end = rest.IndexOf('>');
        return end < 0 ? null : rest[1..end];
    }

    private void Signal() => Interlocked.Exchange(ref _event, NewEvent()).TrySetResult();

    private static TaskCompletionSource NewEvent() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
