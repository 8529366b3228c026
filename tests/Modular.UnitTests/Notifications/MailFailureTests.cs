using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using Modular.Notifications;

namespace Modular.UnitTests.Notifications;

/// <summary>Which failures of a send are worth another attempt (<see cref="MailFailure.Classify"/>): the retries and the
/// dead letters of the Notifications module follow from it.</summary>
public sealed class MailFailureTests
{
    public static TheoryData<Exception> Transient() => new(
        new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.MailboxBusy, "mailbox busy"),
        new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.ServiceNotAvailable, "closing channel"),
        new SocketException((int)SocketError.ConnectionRefused),
        new IOException("connection reset"),
        new TimeoutException(),
        new SmtpProtocolException("unexpected reply"),
        new ServiceNotConnectedException());

    public static TheoryData<Exception> Permanent() => new(
        new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, "no such user"),
        new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.AuthenticationRequired, "auth required"));

    [Theory]
    [MemberData(nameof(Transient))]
    public void a_refused_or_dropped_connection_a_timeout_or_an_smtp_4xx_is_tried_again(Exception e)
    {
        var failure = MailFailure.Classify("welcome", e).ShouldBeOfType<TransientMailFailure>();
        (failure.Template, failure.InnerException).ShouldBe(("welcome", e));
    }

    [Theory]
    [MemberData(nameof(Permanent))]
    public void an_smtp_5xx_is_given_up_on_with_its_code_in_the_reason(Exception e)
    {
        var failure = MailFailure.Classify("password-reset", e).ShouldBeOfType<PermanentMailFailure>();
        failure.Message.ShouldStartWith("The password-reset e-mail was not sent: SMTP 5");
    }

    [Fact]
    public void anything_else_is_not_a_delivery_failure_and_stays_the_bug_it_is() =>
        MailFailure.Classify("welcome", new InvalidOperationException("a template names a missing value")).ShouldBeNull();
}
