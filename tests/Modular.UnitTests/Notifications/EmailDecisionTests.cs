using MimeKit;
using Modular.Notifications;
using Modular.Users.Contracts.Events;

namespace Modular.UnitTests.Notifications;

/// <summary>What each event handler decides to send, without a host, a database or SMTP: the <see cref="Email"/> it returns.</summary>
public sealed class EmailDecisionTests
{
    private static readonly MailSettings Settings = new(new MailboxAddress("Modular", "no-reply@modular.local"), new Uri("https://app.example.com/base/"));
    private static readonly Guid EventId = Guid.CreateVersion7();
    private static readonly Guid UserId = Guid.CreateVersion7();
    private static readonly DateTimeOffset At = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void a_registration_sends_the_welcome_email_to_the_user_with_the_link_that_verifies_the_address()
    {
        var email = UserRegisteredHandler.Handle(new UserRegistered(EventId, UserId, "ann@example.com", "Ann", At, "tok/en+1", At.AddDays(1)), Settings);

        (email.Template, email.EventId, email.UserId).ShouldBe(("welcome", EventId, UserId));
        email.Recipient.ShouldBe(new MailboxAddress("Ann", "ann@example.com"));
        Variable(email, "verify_link").ShouldBe("https://app.example.com/base/verify-email?token=tok%2Fen%2B1");
        Variable(email, "expires_at").ShouldBe("2030-01-03 03:04");
    }

    [Fact]
    public void a_reset_request_sends_the_reset_link_with_its_token()
    {
        var email = PasswordResetRequestedHandler.Handle(new PasswordResetRequested(EventId, UserId, "ann@example.com", "Ann", "reset-token", At), Settings);

        (email.Template, email.EventId, email.UserId).ShouldBe(("password-reset", EventId, UserId));
        Variable(email, "reset_link").ShouldBe("https://app.example.com/base/reset-password?token=reset-token");
        email.ToString().ShouldNotContain("reset-token"); // a logged side effect never shows the link
    }

    [Fact]
    public void a_lockout_names_when_it_ends_and_links_to_forgot_password()
    {
        var email = UserLockedOutHandler.Handle(new UserLockedOut(EventId, UserId, "ann@example.com", "Ann", At), Settings);

        (email.Template, email.EventId).ShouldBe(("account-locked", EventId));
        Variable(email, "locked_until").ShouldBe("2030-01-02 03:04");
        Variable(email, "forgot_link").ShouldBe("https://app.example.com/base/forgot-password");
    }

    private static string? Variable(Email email, string name) =>
        email.Model.GetType().GetProperty(name)?.GetValue(email.Model)?.ToString();
}
