using MimeKit;
using Modular.Notifications;
using Modular.Notifications.Templates;

namespace Modular.UnitTests.Notifications;

/// <summary>The six e-mails as the handlers render them, without a host: subject, text and HTML parts, and escaping.</summary>
public sealed class EmailTemplateTests
{
    private const string ResetLink = "https://app.example.com/reset-password?token=Abc-123_xyz";
    private const string VerifyLink = "https://app.example.com/verify-email?token=Def-456_uvw";
    private const string ForgotLink = "https://app.example.com/forgot-password";

    private static readonly MailboxAddress From = new("Modular", "no-reply@modular.local");

    public static TheoryData<string> Templates() =>
        [
            UserRegisteredHandler.Template, EmailVerificationRequestedHandler.Template, UserPasswordChangedHandler.Template,
            PasswordResetRequestedHandler.Template, UserDeletedHandler.Template, UserLockedOutHandler.Template,
        ];

    private static MimeMessage Render(string template, string name) =>
        EmailTemplates.Render(template,
            new { name, email = "ann@example.com", changed_at = "2030-01-02 03:04", reset_link = ResetLink, verify_link = VerifyLink,
                expires_at = "2030-01-02 03:34", locked_until = "2030-01-02 03:49", forgot_link = ForgotLink },
            From, new MailboxAddress(name, "ann@example.com"));

    [Theory]
    [MemberData(nameof(Templates))]
    public void each_email_has_a_one_line_subject_a_text_part_and_an_html_part_addressed_to_the_user(string template)
    {
        var message = Render(template, "Ann");

        message.Subject.ShouldNotBeNullOrWhiteSpace();
        message.Subject.ShouldBe(message.Subject.Trim());
        message.Subject.ShouldNotContain('\n');
        message.Body.ShouldBeOfType<MultipartAlternative>().ContentType.MimeType.ShouldBe("multipart/alternative");
        foreach (var body in new[] { Text(message), Html(message) })
        {
            body.ShouldContain("Hello Ann,", Case.Sensitive);
            body.ShouldContain("ann@example.com", Case.Sensitive);
        }
        message.From.Mailboxes.ShouldHaveSingleItem().ShouldBe(From);
        message.To.Mailboxes.ShouldHaveSingleItem().Address.ShouldBe("ann@example.com");
    }

    [Fact]
    public void the_reset_email_has_the_link_in_both_parts_and_says_when_it_expires()
    {
        var message = Render(PasswordResetRequestedHandler.Template, "Ann");

        message.Subject.ShouldBe("Reset your Modular password");
        foreach (var body in new[] { Text(message), Html(message) })
        {
            body.ShouldContain(ResetLink, Case.Sensitive);
            body.ShouldContain("works once and expires in 30 minutes (at 2030-01-02 03:34 UTC)", Case.Sensitive);
        }
        Html(message).ShouldContain($"href=\"{ResetLink}\"", Case.Sensitive);
    }

    [Theory]
    [InlineData(UserRegisteredHandler.Template, "Welcome to Modular")]
    [InlineData(EmailVerificationRequestedHandler.Template, "Verify your e-mail address for Modular")]
    public void the_welcome_and_the_verification_email_have_the_link_in_both_parts_and_say_when_it_expires(string template, string subject)
    {
        var message = Render(template, "Ann");

        message.Subject.ShouldBe(subject);
        foreach (var body in new[] { Text(message), Html(message) })
        {
            body.ShouldContain(VerifyLink, Case.Sensitive);
            body.ShouldContain("works once and expires in 24 hours (at 2030-01-02 03:34 UTC)", Case.Sensitive);
        }
        Html(message).ShouldContain($"href=\"{VerifyLink}\"", Case.Sensitive);
    }

    [Fact]
    public void the_lockout_email_says_until_when_and_links_to_the_forgot_password_page_in_both_parts()
    {
        var message = Render(UserLockedOutHandler.Template, "Ann");

        message.Subject.ShouldBe("Sign-in to your Modular account is blocked for now");
        foreach (var body in new[] { Text(message), Html(message) })
        {
            body.ShouldContain("blocked until 2030-01-02 03:49 UTC", Case.Sensitive);
            body.ShouldContain(ForgotLink, Case.Sensitive);
        }
        Html(message).ShouldContain($"href=\"{ForgotLink}\"", Case.Sensitive);
    }

    [Fact]
    public void the_text_part_keeps_the_wording_of_the_welcome_email()
    {
        Text(Render(UserRegisteredHandler.Template, "Ann")).ShouldStartWith("Hello Ann,\n\nyour account ann@example.com is ready.", Case.Sensitive);
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void a_name_with_markup_is_encoded_in_the_html_part_and_literal_in_the_text_part(string template)
    {
        const string name = "<b>Bob</b> & \"Co\"";

        var message = Render(template, name);

        Html(message).ShouldContain("Hello &lt;b&gt;Bob&lt;/b&gt; &amp; &quot;Co&quot;,", Case.Sensitive);
        Html(message).ShouldNotContain("<b>Bob</b>");
        Text(message).ShouldContain($"Hello {name},", Case.Sensitive);
    }

    [Fact]
    public void a_script_in_the_name_is_never_injected_into_the_html_part()
    {
        var message = Render(UserRegisteredHandler.Template, "<script>alert(1)</script>");

        Html(message).ShouldNotContain("<script", Case.Insensitive);
        Html(message).ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt;", Case.Sensitive);
    }

    [Fact]
    public void an_unknown_template_throws_an_exception_naming_it()
    {
        var error = Should.Throw<InvalidOperationException>(() => Render("no-such-email", "Ann"));

        error.Message.ShouldContain("'no-such-email'", Case.Sensitive);
    }

    [Fact]
    public void a_value_the_template_needs_but_the_model_lacks_fails_the_render_instead_of_rendering_blank()
    {
        var error = Should.Throw<InvalidOperationException>(() => EmailTemplates.Render(PasswordResetRequestedHandler.Template,
            new { name = "Ann", email = "ann@example.com", expires_at = "2030-01-02 03:34" }, From, new MailboxAddress("Ann", "ann@example.com")));

        error.Message.ShouldContain("reset_link", Case.Sensitive);
    }

    private static string Text(MimeMessage message) => message.TextBody.ShouldNotBeNull();

    private static string Html(MimeMessage message) => message.HtmlBody.ShouldNotBeNull();
}
