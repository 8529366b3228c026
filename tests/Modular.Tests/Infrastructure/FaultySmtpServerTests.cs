using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Modular.Tests.Infrastructure;

/// <summary>Proves <see cref="FaultySmtpServer"/> against MailKit, the client the Notifications module sends with.</summary>
public sealed class FaultySmtpServerTests : IAsyncLifetime
{
    private readonly FaultySmtpServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_message_is_received_with_its_recipients_and_body()
    {
        // A line starting with "." is dot-stuffed by the client; the server must undo it.
        await SendAsync(Message("ann@example.com", "bob@example.com"), body: "Hello Ann\r\n.a line with a leading dot\r\n");

        var mail = _server.Received.ShouldHaveSingleItem();
        mail.From.ShouldBe("sender@example.com");
        mail.To.ShouldBe(["ann@example.com", "bob@example.com"]);
        var parsed = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(mail.Data)));
        parsed.Subject.ShouldBe("hi");
        (parsed.TextBody ?? "").ReplaceLineEndings("\n").ShouldBe("Hello Ann\n.a line with a leading dot\n");
        mail.Data.ShouldContain("\r\nHello Ann\r\n.a line with a leading dot\r\n"); // lines end in CRLF, unstuffed
        mail.Data.ShouldNotContain("..a line");
        _server.To("ANN@example.com").ShouldHaveSingleItem();
        _server.Attempts.ShouldBe(1);
        _server.AttemptsFor("bob@example.com").ShouldBe(1);
    }

    [Fact]
    public async Task Failed_transactions_throw_421_until_the_count_is_used_up()
    {
        _server.FailNextTransactions(2);

        for (var i = 0; i < 2; i++)
        {
            using var client = await ConnectAsync();
            var e = await Should.ThrowAsync<SmtpCommandException>(() => client.SendAsync(Message("ann@example.com")));
            ((int)e.StatusCode).ShouldBe(421);
            e.ErrorCode.ShouldBe(SmtpErrorCode.SenderNotAccepted);
            client.IsConnected.ShouldBeFalse(); // MailKit drops the connection itself on 421: a retry must reconnect
        }
        await SendAsync(Message("ann@example.com"));

        _server.Attempts.ShouldBe(3);
        _server.AttemptsFor("ann@example.com").ShouldBe(1); // the failed attempts never got to RCPT TO
        _server.To("ann@example.com").ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_non_421_failure_keeps_the_connection_open()
    {
        _server.FailNextTransactions(1, 451, "local error");
        using var client = await ConnectAsync();

        var e = await Should.ThrowAsync<SmtpCommandException>(() => client.SendAsync(Message("ann@example.com")));
        ((int)e.StatusCode).ShouldBe(451);
        client.IsConnected.ShouldBeTrue();
        await client.SendAsync(Message("ann@example.com"));

        _server.Received.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_rejected_recipient_throws_550_and_others_still_pass()
    {
        _server.RejectRecipient("Gone@Example.com");

        var e = await Should.ThrowAsync<SmtpCommandException>(() => SendAsync(Message("gone@example.com")));
        ((int)e.StatusCode).ShouldBe(550);
        e.ErrorCode.ShouldBe(SmtpErrorCode.RecipientNotAccepted);
        e.Mailbox?.Address.ShouldBe("gone@example.com");
        await SendAsync(Message("ann@example.com"));

        _server.AttemptsFor("GONE@example.com").ShouldBe(1);
        _server.To("gone@example.com").ShouldBeEmpty();
        _server.To("ann@example.com").ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Refused_connections_fail_to_connect_until_listening_again()
    {
        _server.RefuseConnections = true;

        var e = await Should.ThrowAsync<SocketException>(ConnectAsync);
        e.SocketErrorCode.ShouldBe(SocketError.ConnectionRefused);

        _server.RefuseConnections = false;
        await SendAsync(Message("ann@example.com"));
        _server.Received.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Disposing_closes_open_connections()
    {
        using var client = await ConnectAsync();
        await client.NoOpAsync();

        await _server.DisposeAsync(); // the fixture disposes it again: that must be harmless

        await Should.ThrowAsync<SmtpProtocolException>(() => client.SendAsync(Message("ann@example.com")));
        client.IsConnected.ShouldBeFalse();
        _server.RefuseConnections = false; // no effect once disposed
        await Should.ThrowAsync<SocketException>(ConnectAsync);
    }

    [Fact]
    public async Task Concurrent_connections_are_served_independently()
    {
        using var first = await ConnectAsync();
        using var second = await ConnectAsync(); // the first is still open and idle

        await Task.WhenAll(second.SendAsync(Message("bob@example.com")), first.SendAsync(Message("ann@example.com")));

        _server.Received.Select(m => m.To.Single()).Order().ShouldBe(["ann@example.com", "bob@example.com"]);
    }

    [Fact]
    public async Task Waiting_is_woken_by_arrivals_and_times_out_with_a_summary()
    {
        var waiting = _server.WaitUntilAsync(s => s.To("ann@example.com").Count == 1, TimeSpan.FromSeconds(10));
        waiting.IsCompleted.ShouldBeFalse();
        await SendAsync(Message("ann@example.com"));
        await waiting;

        var e = await Should.ThrowAsync<TimeoutException>(() => _server.WaitUntilAsync(s => s.Attempts > 1, TimeSpan.FromMilliseconds(200)));
        e.Message.ShouldContain("1 attempt(s)");
        e.Message.ShouldContain("ann@example.com");
    }

    private static MimeMessage Message(params string[] to)
    {
        var message = new MimeMessage { Subject = "hi", Body = new TextPart("plain") { Text = "Hello\r\n" } };
        message.From.Add(MailboxAddress.Parse("sender@example.com"));
        foreach (var address in to) message.To.Add(MailboxAddress.Parse(address));
        return message;
    }

    private async Task<SmtpClient> ConnectAsync()
    {
        var client = new SmtpClient { Timeout = 10_000 };
        try
        {
            await client.ConnectAsync("127.0.0.1", _server.Port, SecureSocketOptions.None);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>One send on its own connection, as the Notifications module does it.</summary>
    private async Task SendAsync(MimeMessage message, string? body = null)
    {
        if (body is not null) message.Body = new TextPart("plain") { Text = body };
        using var client = await ConnectAsync();
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
    }
}
