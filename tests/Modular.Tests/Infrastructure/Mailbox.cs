using System.Collections.Concurrent;
using MimeKit;

namespace Modular.Tests.Infrastructure;

/// <summary>An e-mail the test SMTP server accepted, parsed once: envelope addresses, subject, headers, the raw DATA.</summary>
public sealed class SmtpMessage(ReceivedMail mail)
{
    private readonly Lazy<MimeMessage> _mime = new(() => MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(mail.Data))));

    public EnvelopeAddress FromAddress { get; } = new(mail.From);
    public IReadOnlyList<EnvelopeAddress> ToAddresses { get; } = mail.To.Select(a => new EnvelopeAddress(a)).ToArray();
    public string Data => mail.Data;
    public string Subject => _mime.Value.Subject ?? "";
    public HeaderList Headers => _mime.Value.Headers;
}

/// <summary>An address of the SMTP envelope (MAIL FROM, RCPT TO), as the client sent it.</summary>
public sealed record EnvelopeAddress(string Address);

/// <summary>
/// The SMTP server on loopback that every mode sends its e-mail to: the tests' one SMTP server
/// (<see cref="FaultySmtpServer"/>, here never failing). Tests wait on its own arrival events, which works whichever
/// process sends the mail.
/// </summary>
public sealed partial class Mailbox : IDisposable
{
    private readonly FaultySmtpServer _server = new();
    // One parse per e-mail, however often a wait re-reads the list.
    private readonly ConcurrentDictionary<ReceivedMail, SmtpMessage> _parsed = new(ReferenceEqualityComparer.Instance);

    public int Port => _server.Port;

    public IReadOnlyList<SmtpMessage> Messages => _server.Received.Select(m => _parsed.GetOrAdd(m, r => new SmtpMessage(r))).ToArray();

    public IReadOnlyList<SmtpMessage> To(string recipient) =>
        Messages.Where(m => m.ToAddresses.Any(a => a.Address.Equals(recipient, StringComparison.OrdinalIgnoreCase))).ToArray();

    public void Clear() => _server.Clear();

    /// <summary>The token in the link of the reset e-mail that <paramref name="recipient"/> received.</summary>
    public string ResetTokenFor(string recipient) => TokenInLink(To(recipient).Single(m => m.Subject.Contains("Reset")), "reset-password");

    /// <summary>
    /// The token in the verification link of the welcome e-mail that <paramref name="recipient"/> received, or with
    /// <paramref name="resent"/> of the one verification e-mail sent on request.
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
        try
        {
            await _server.WaitUntilAsync(_ => condition(Messages), timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the expected e-mail did not arrive; received: " +
                string.Join(", ", Messages.Select(m => $"{m.Subject} -> {string.Join(";", m.ToAddresses.Select(a => a.Address))}")));
        }
        return Messages;
    }

    /// <summary>Waits for the first e-mail to <paramref name="recipient"/> and returns it.</summary>
    public async Task<SmtpMessage> WaitForAsync(string recipient, TimeSpan? timeout = null)
    {
        await WaitUntilAsync(_ => To(recipient).Count > 0, timeout);
        return To(recipient)[0];
    }

    public void Dispose() => _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
