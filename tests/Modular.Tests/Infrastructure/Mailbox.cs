using netDumbster.smtp;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// A real SMTP server on loopback (netDumbster) that every mode sends its e-mail to. Tests wait on
/// its own arrival events, which works whichever process sends the mail.
/// </summary>
public sealed partial class Mailbox : IDisposable
{
    private readonly SimpleSmtpServer _server = SimpleSmtpServer.Start(TestEnvironment.FreeTcpPort());
    private TaskCompletionSource _arrival = NewArrival();

    public Mailbox() => _server.MessageReceived += (_, _) => Interlocked.Exchange(ref _arrival, NewArrival()).TrySetResult();

    public int Port => _server.Configuration.Port;

    public IReadOnlyList<SmtpMessage> Messages => _server.ReceivedEmail;

    public IReadOnlyList<SmtpMessage> To(string recipient) =>
        Messages.Where(m => m.ToAddresses.Any(a => a.Address.Equals(recipient, StringComparison.OrdinalIgnoreCase))).ToArray();

    public void Clear() => _server.ClearReceivedEmail();

    /// <summary>The token in the link of the reset e-mail that <paramref name="recipient"/> received.</summary>
    public string ResetTokenFor(string recipient) => TokenInLink(To(recipient).Single(m => m.Subject.Contains("Reset")), "reset-password");

    /// <summary>
    /// The token in the verification link of the welcome e-mail that <paramref name="recipient"/> received, or with
    /// <paramref name="resent"/> of the one verification e-mail sent on request. (The server keeps no arrival order.)
    /// </summary>
    public string VerificationTokenFor(string recipient, bool resent = false) =>
        TokenInLink(To(recipient).Single(m => m.Subject.StartsWith(resent ? "Verify" : "Welcome", StringComparison.Ordinal)), "verify-email");

    private static string TokenInLink(SmtpMessage message, string page) =>
        Uri.UnescapeDataString(TokenInLink().Matches(Text(message)).Single(m => m.Groups["page"].Value == page).Groups["token"].Value);

    [System.Text.RegularExpressions.GeneratedRegex(@"/(?<page>reset-password|verify-email)\?token=(?<token>\S+)")]
    private static partial System.Text.RegularExpressions.Regex TokenInLink();

    /// <summary>The decoded text of an e-mail, whatever its transfer encoding.</summary>
    public static string Text(SmtpMessage message) =>
        MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(message.Data))).TextBody ?? "";

    /// <summary>Waits until <paramref name="condition"/> holds for the received messages, woken by each arrival.</summary>
    public async Task<IReadOnlyList<SmtpMessage>> WaitUntilAsync(Func<IReadOnlyList<SmtpMessage>, bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var arrival = _arrival.Task;
            var messages = Messages;
            if (condition(messages)) return messages;
            try
            {
                await arrival.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the expected e-mail did not arrive; received: " +
                    string.Join(", ", messages.Select(m => $"{m.Subject} -> {string.Join(";", m.ToAddresses.Select(a => a.Address))}")));
            }
        }
    }

    /// <summary>Waits for the first e-mail to <paramref name="recipient"/> and returns it.</summary>
    public async Task<SmtpMessage> WaitForAsync(string recipient, TimeSpan? timeout = null)
    {
        await WaitUntilAsync(_ => To(recipient).Count > 0, timeout);
        return To(recipient)[0];
    }

    public void Dispose() => _server.Stop();

    private static TaskCompletionSource NewArrival() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
