using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

/// <summary>Password login locked after LOGIN_LOCKOUT_THRESHOLD wrong passwords in a row, counted across gateways.</summary>
public abstract class LockoutScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    private const string Login = "/api/v1/auth/login";
    private const string WrongPassword = "not the password at all";

    [Fact]
    public async Task wrong_passwords_on_two_gateways_add_up_lock_the_account_everywhere_and_a_reset_lifts_it()
    {
        await App.RegisterAsync("lena@example.com", "Lena");
        await using var second = await App.StartGatewayAsync(_ => { });
        App.Mail.Clear();

        for (var i = 0; i < 3; i++) await Gateway.PostJsonAsync(Login, new { email = "lena@example.com", password = WrongPassword }, 401);
        for (var i = 0; i < 2; i++) await second.PostJsonAsync(Login, new { email = "lena@example.com", password = WrongPassword }, 401);

        // Locked on every gateway, even for the right password, with the very answer a wrong password gets.
        var unknown = (await Gateway.PostJsonAsync(Login, new { email = "nobody@example.com", password = WrongPassword }, 401)).ShouldBeProblem(401);
        foreach (var gateway in new[] { Gateway, second })
        {
            var locked = (await gateway.PostJsonAsync(Login, new { email = "lena@example.com", password = Api.Password }, 401)).ShouldBeProblem(401);
            locked.GetProperty("title").GetString().ShouldBe(unknown.GetProperty("title").GetString());
            locked.GetProperty("detail").GetString().ShouldBe(unknown.GetProperty("detail").GetString());
        }

        // One e-mail for the lockout, however many attempts follow it.
        var notice = (await App.Mail.WaitUntilAsync(m => m.Any(e => e.Subject.Contains("blocked")))).Single(e => e.Subject.Contains("blocked"));
        notice.ToAddresses.Single().Address.ShouldBe("lena@example.com");
        var text = Mailbox.Text(notice);
        text.ShouldContain("http://localhost:3000/forgot-password");
        text.ShouldContain(" UTC");
        await Gateway.PostJsonAsync(Login, new { email = "lena@example.com", password = WrongPassword }, 401);

        await Gateway.PostJsonAsync("/api/v1/auth/forgot-password", new { email = "lena@example.com" }, 202);
        await App.Mail.WaitUntilAsync(m => m.Any(e => e.Subject.Contains("Reset")));
        var token = App.Mail.ResetTokenFor("lena@example.com");
        await second.PostJsonAsync("/api/v1/auth/reset-password", new { token, newPassword = "a fresh passphrase" }, 204);

        App.Mail.To("lena@example.com").Count(m => m.Subject.Contains("blocked")).ShouldBe(1);
        (await Gateway.LoginAsync("lena@example.com", "a fresh passphrase")).User.Email.ShouldBe("lena@example.com");
    }

    [Fact]
    public async Task a_right_password_before_the_threshold_starts_the_count_again()
    {
        await App.RegisterAsync("mona@example.com");
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 4; i++) await Gateway.PostJsonAsync(Login, new { email = "mona@example.com", password = WrongPassword }, 401);
            // Eight wrong passwords in all, never five in a row: still not locked.
            await Gateway.LoginAsync("mona@example.com");
        }
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class LockoutInSingleProcess(SingleProcessApp app) : LockoutScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class LockoutInSplitMode(SplitApp app) : LockoutScenarios(app);
