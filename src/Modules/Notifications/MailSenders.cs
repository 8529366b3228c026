using System.Threading.RateLimiting;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Modular.Notifications;

/// <summary>The channel e-mails leave through.</summary>
public interface IMailSender
{
    Task SendAsync(MimeMessage message, CancellationToken ct);
}

/// <summary>Sends through the SMTP server of <c>SMTP_URL</c> (<c>smtp://[user:pass@]host:port[?tls=required|none]</c>, or <c>smtps://</c> for TLS).</summary>
internal sealed class SmtpMailSender(Uri server) : IMailSender
{
    private readonly SecureSocketOptions _security = Security(server);

    /// <summary>
    /// How the connection is secured. <c>smtps://</c>: TLS from the first byte. <c>smtp://</c> with credentials:
    /// STARTTLS required, so that a server (or a man in the middle) that does not offer it never gets the password
    /// in clear. <c>smtp://</c> without credentials: STARTTLS when offered (a local catcher, a relay on a private
    /// network). <c>?tls=required</c> insists on STARTTLS, <c>?tls=none</c> says plain is meant.
    /// </summary>
    public static SecureSocketOptions Security(Uri server)
    {
        if (server.Scheme == "smtps") return SecureSocketOptions.SslOnConnect;
        return TlsParameter(server) switch
        {
            "required" => SecureSocketOptions.StartTls,
            "none" => SecureSocketOptions.None,
            _ when server.UserInfo.Length > 0 => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.StartTlsWhenAvailable,
        };
    }

    /// <summary>The URL's <c>tls</c> parameter, or null; anything else than required or none is refused at start-up.</summary>
    public static string? TlsParameter(Uri server) =>
        System.Web.HttpUtility.ParseQueryString(server.Query)["tls"]?.ToLowerInvariant() switch
        {
            null => null,
            var value and ("required" or "none") => value,
            _ => throw new FormatException("takes ?tls=required or ?tls=none"),
        };

    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        using var client = new SmtpClient { Timeout = 30_000 };
        var port = server.IsDefaultPort || server.Port < 0 ? (server.Scheme == "smtps" ? 465 : 25) : server.Port;
        await client.ConnectAsync(server.Host, port, _security, ct);
        if (server.UserInfo is { Length: > 0 } userInfo)
        {
            var parts = userInfo.Split(':', 2);
            await client.AuthenticateAsync(Uri.UnescapeDataString(parts[0]), parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "", ct);
        }
        await client.SendAsync(message, ct);
        // The message is accepted at "250 OK": no QUIT round trip before the delivery log commits (ADR 6).
        await client.DisconnectAsync(quit: false, ct);
    }
}

/// <summary>Without <c>SMTP_URL</c>, e-mails are written as <c>.eml</c> files that any mail client opens.</summary>
internal sealed class MailDirectorySender(string directory) : IMailSender
{
    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{DateTimeOffset.UtcNow:yyyyMMddTHHmmssfff}-{Guid.NewGuid():N}.eml");
        await message.WriteToAsync(path, ct);
    }
}

/// <summary>
/// A token bucket in front of the channel (<c>MAIL_RATE_PER_SECOND</c>, <c>MAIL_BURST</c>): a burst of events
/// never sends faster than the provider allows; sends wait for a token instead. The bucket is per process.
/// </summary>
internal sealed class ThrottledMailSender(IMailSender inner, int ratePerSecond, int burst) : IMailSender, IDisposable
{
    private readonly TokenBucketRateLimiter _bucket = new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = burst,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1.0 / ratePerSecond),
        QueueLimit = int.MaxValue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        AutoReplenishment = true,
    });

    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        using var lease = await _bucket.AcquireAsync(1, ct);
        await inner.SendAsync(message, ct);
    }

    public void Dispose() => _bucket.Dispose();
}
