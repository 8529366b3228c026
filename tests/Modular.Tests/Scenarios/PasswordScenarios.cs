using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

/// <summary>change-password, forgot-password and reset-password, with the e-mails they send.</summary>
public abstract class PasswordScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    private const string NewPassword = "a brand new passphrase";
    private static readonly HttpMethod Post = HttpMethod.Post;

    [Fact]
    public async Task change_password_keeps_this_session_revokes_every_other_and_sends_the_security_email()
    {
        var here = await App.RegisterAsync("yara@example.com", "Yara");
        var elsewhere = await Gateway.LoginAsync("yara@example.com");

        await Gateway.SendAsync(Post, "/api/v1/auth/change-password", here.AccessToken,
            new { currentPassword = Api.Password, newPassword = NewPassword }, 204);

        await Gateway.GetAsync("/api/v1/auth/me", 200, here.AccessToken);
        await Gateway.RefreshAsync(here.RefreshToken, 200);
        await Gateway.GetAsync("/api/v1/auth/me", 401, elsewhere.AccessToken);
        await Gateway.RefreshAsync(elsewhere.RefreshToken, 401);
        await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "yara@example.com", password = Api.Password }, 401);
        await Gateway.LoginAsync("yara@example.com", NewPassword);
        (await App.Mail.WaitUntilAsync(_ => App.Mail.To("yara@example.com").Count == 2))
            .ShouldContain(m => m.Subject.Contains("password", StringComparison.OrdinalIgnoreCase) && !m.Subject.Contains("Welcome"));
    }

    [Fact]
    public async Task change_password_with_a_wrong_current_password_is_400_and_changes_nothing()
    {
        var session = await App.RegisterAsync("zack@example.com");

        var problem = (await Gateway.SendAsync(Post, "/api/v1/auth/change-password", session.AccessToken,
            new { currentPassword = "not my password", newPassword = NewPassword }, 400)).ShouldBeProblem(400);

        problem.GetProperty("errors").TryGetProperty("currentPassword", out _).ShouldBeTrue();
        await Gateway.LoginAsync("zack@example.com");
    }

    [Fact]
    public async Task change_password_with_a_short_new_password_is_400_and_without_a_token_401()
    {
        var session = await App.RegisterAsync("abby@example.com");
        await Gateway.SendAsync(Post, "/api/v1/auth/change-password", session.AccessToken, new { currentPassword = Api.Password, newPassword = "short" }, 400);
        await Gateway.SendAsync(Post, "/api/v1/auth/change-password", null, new { currentPassword = Api.Password, newPassword = NewPassword }, 401);
    }

    [Fact]
    public async Task forgot_password_answers_202_for_known_and_unknown_emails_and_mails_only_the_known()
    {
        await App.RegisterAsync("bea@example.com");

        await Gateway.PostJsonAsync("/api/v1/auth/forgot-password", new { email = "nobody@example.com" }, 202);
        await Gateway.PostJsonAsync("/api/v1/auth/forgot-password", new { email = " BEA@example.com" }, 202);

        await App.Mail.WaitUntilAsync(_ => App.Mail.To("bea@example.com").Count == 2);
        ResetToken("bea@example.com").ShouldNotBeNullOrWhiteSpace();
        App.Mail.To("nobody@example.com").ShouldBeEmpty();
    }

    [Fact]
    public async Task forgot_password_with_an_invalid_email_is_400()
    {
        await Gateway.PostJsonAsync("/api/v1/auth/forgot-password", new { email = "not-an-email" }, 400);
    }

    [Fact]
    public async Task reset_password_with_the_emailed_token_sets_the_password_revokes_every_session_and_works_once()
    {
        var session = await App.RegisterAsync("cleo@example.com");
        await Gateway.PostJsonAsync("/api/v1/auth/forgot-password", new { email = "cleo@example.com" }, 202);
        await App.Mail.WaitUntilAsync(_ => App.Mail.To("cleo@example.com").Count == 2);
        var token = ResetToken("cleo@example.com");

        await Gateway.PostJsonAsync("/api/v1/auth/reset-password", new { token, newPassword = NewPassword }, 204);

        await Gateway.GetAsync("/api/v1/auth/me", 401, session.AccessToken);
        await Gateway.RefreshAsync(session.RefreshToken, 401);
        var fresh = await Gateway.LoginAsync("cleo@example.com", NewPassword);
        await Gateway.GetAsync("/api/v1/auth/me", 200, fresh.AccessToken);
        (await Gateway.PostJsonAsync("/api/v1/auth/reset-password", new { token, newPassword = "yet another password" }, 400))
            .ShouldBeProblem(400);
    }

    [Theory]
    [InlineData("made-up-token")]
    [InlineData("")]
    public async Task reset_password_with_an_unknown_or_missing_token_is_400(string token)
    {
        (await Gateway.PostJsonAsync("/api/v1/auth/reset-password", new { token, newPassword = NewPassword }, 400)).ShouldBeProblem(400);
    }

    private string ResetToken(string recipient) => App.Mail.ResetTokenFor(recipient);
}

[Collection(SingleProcessCollection.Name)]
public sealed class PasswordsInSingleProcess(SingleProcessApp app) : PasswordScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class PasswordsInSplitMode(SplitApp app) : PasswordScenarios(app);
