using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using Prometheus;

namespace Modular.Notifications;

/// <summary>An e-mail that could not be sent, and whether trying again may help.</summary>
public abstract class MailFailure(string template, string reason, Exception inner) : Exception($"The {template} e-mail was not sent: {reason}", inner)
{
    public string Template { get; } = template;

    /// <summary>
    /// Connection refused or dropped, timeouts, SMTP 4xx: the provider may accept it later. SMTP 5xx
    /// (a rejected recipient, say) will be refused again. Anything else is not a delivery failure.
    /// </summary>
    public static MailFailure? Classify(string template, Exception e) => e switch
    {
        SmtpCommandException { StatusCode: var code } when (int)code >= 500 => new PermanentMailFailure(template, $"SMTP {(int)code} {e.Message}", e),
        SmtpCommandException { StatusCode: var code } => new TransientMailFailure(template, $"SMTP {(int)code} {e.Message}", e),
        SocketException or IOException or TimeoutException or SmtpProtocolException or ServiceNotConnectedException
            => new TransientMailFailure(template, e.Message, e),
        _ => null,
    };
}

public sealed class TransientMailFailure(string template, string reason, Exception inner) : MailFailure(template, reason, inner);

public sealed class PermanentMailFailure(string template, string reason, Exception inner) : MailFailure(template, reason, inner);

/// <summary>The Notifications module's counters on <c>/metrics</c>, per template.</summary>
internal static class MailMetrics
{
    public static readonly Counter Sent = Metrics.CreateCounter(
        "modular_emails_sent_total", "E-mails the SMTP server accepted.", "template");

    public static readonly Counter Failed = Metrics.CreateCounter(
        "modular_emails_failed_total", "Attempts to send an e-mail that failed, by kind (transient, permanent).", "template", "kind");

    public static readonly Counter Retried = Metrics.CreateCounter(
        "modular_emails_retried_total", "E-mails scheduled for another attempt after a transient failure.", "template");

    public static readonly Counter DeadLettered = Metrics.CreateCounter(
        "modular_emails_dead_lettered_total", "E-mails given up on: a permanent failure or retries exhausted.", "template");
}
