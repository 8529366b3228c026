using System.Text;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Modular.Tests.Infrastructure;
using Modular.Users;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;
using Wolverine;
using Wolverine.Tracking;

namespace Modular.Tests.Users;

/// <summary>
/// The Users requests behind profile, passwords, reset, delete and list, driven through Wolverine in one
/// process: the tracked session waits until Notifications has handled every event a request caused.
/// </summary>
[Collection(SingleProcessCollection.Name)]
public sealed partial class UserRequestsTests(SingleProcessApp app) : Infrastructure.Scenarios(app)
{
    private const string NewPassword = "a brand new passphrase";

    [Fact]
    public async Task update_profile_trims_the_name_and_publishes_UserProfileUpdated()
    {
        var user = (await App.RegisterAsync("paula@example.com", "Paula")).User;

        var (tracked, result) = await InvokeAsync<UserResult>(new UpdateProfile(user.Id, "  Paula Smith  "));

        result.Failure.ShouldBeNull();
        result.User!.Name.ShouldBe("Paula Smith");
        result.User.UpdatedAt.ShouldBeGreaterThan(user.UpdatedAt);
        result.User.CreatedAt.ShouldBe(user.CreatedAt);
        // Published, though no module of this process subscribes to it: it has no route here.
        var updated = tracked.FindSingleTrackedMessageOfType<UserProfileUpdated>();
        updated.UserId.ShouldBe(user.Id);
        updated.Name.ShouldBe("Paula Smith");
        (await InvokeAsync<UserResult>(new GetUser(user.Id))).Result.User!.Name.ShouldBe("Paula Smith");
    }

    [Fact]
    public async Task update_profile_of_an_unknown_user_is_NotFound_and_publishes_nothing()
    {
        var (tracked, result) = await InvokeAsync<UserResult>(new UpdateProfile(Guid.NewGuid(), "Nobody"));

        result.ShouldBe(UserResult.Failed(UserFailure.NotFound));
        tracked.FindEnvelopesWithMessageType<UserProfileUpdated>().ShouldBeEmpty();
    }

    [Fact]
    public async Task change_password_with_the_right_current_password_changes_it_and_sends_one_security_email()
    {
        var user = (await App.RegisterAsync("carl@example.com", "Carl")).User;
        App.Mail.Clear();

        var (tracked, result) = await InvokeAsync<UserResult>(new ChangePassword(user.Id, Api.Password, NewPassword));

        result.User!.Id.ShouldBe(user.Id);
        result.User.UpdatedAt.ShouldBeGreaterThan(user.UpdatedAt);
        var changed = tracked.Executed.MessagesOf<UserPasswordChanged>().Distinct().Single();
        changed.UserId.ShouldBe(user.Id);
        changed.Email.ShouldBe("carl@example.com");
        var mail = await App.Mail.WaitForAsync("carl@example.com");
        App.Mail.To("carl@example.com").ShouldHaveSingleItem();
        mail.Subject.ShouldContain("password was changed");
        await ShouldLogInAsync("carl@example.com", NewPassword);
        await ShouldNotLogInAsync("carl@example.com", Api.Password);
    }

    [Fact]
    public async Task change_password_with_a_wrong_current_password_is_InvalidCredentials_and_changes_nothing()
    {
        var user = (await App.RegisterAsync("dora@example.com")).User;
        App.Mail.Clear();

        var (tracked, result) = await InvokeAsync<UserResult>(new ChangePassword(user.Id, "not the password", NewPassword));

        result.ShouldBe(UserResult.Failed(UserFailure.InvalidCredentials));
        tracked.FindEnvelopesWithMessageType<UserPasswordChanged>().ShouldBeEmpty();
        App.Mail.Messages.ShouldBeEmpty();
        await ShouldLogInAsync("dora@example.com", Api.Password);
    }

    [Fact]
    public async Task change_password_of_an_unknown_user_is_NotFound()
    {
        var (_, result) = await InvokeAsync<UserResult>(new ChangePassword(Guid.NewGuid(), Api.Password, NewPassword));

        result.ShouldBe(UserResult.Failed(UserFailure.NotFound));
    }

    [Fact]
    public async Task a_reset_request_emails_a_link_whose_token_resets_the_password_exactly_once()
    {
        var user = (await App.RegisterAsync("rita@example.com", "Rita")).User;
        App.Mail.Clear();

        var tracked = await SendAsync(new RequestPasswordReset("  Rita@Example.com "));

        var requested = tracked.Executed.SingleMessage<PasswordResetRequested>();
        requested.UserId.ShouldBe(user.Id);
        requested.ExpiresAt.ShouldBe(DateTimeOffset.UtcNow.AddMinutes(30), TimeSpan.FromMinutes(1));
        var body = BodyOf(await App.Mail.WaitForAsync("rita@example.com"));
        App.Mail.To("rita@example.com").ShouldHaveSingleItem();
        body.ShouldContain("30 minutes");
        var token = TokenIn(body);
        token.ShouldBe(requested.Token);
        token.Length.ShouldBe(43); // 32 random bytes, base64url without padding

        var (resetTracked, reset) = await InvokeAsync<UserResult>(new ResetPassword(token, NewPassword));

        reset.User!.Id.ShouldBe(user.Id);
        resetTracked.Executed.MessagesOf<UserPasswordChanged>().Distinct().Single().UserId.ShouldBe(user.Id);
        await ShouldLogInAsync("rita@example.com", NewPassword);
        await ShouldNotLogInAsync("rita@example.com", Api.Password);

        var (againTracked, again) = await InvokeAsync<UserResult>(new ResetPassword(token, "yet another passphrase"));

        again.ShouldBe(UserResult.Failed(UserFailure.InvalidToken));
        againTracked.FindEnvelopesWithMessageType<UserPasswordChanged>().ShouldBeEmpty();
        await ShouldLogInAsync("rita@example.com", NewPassword);
    }

    [Fact]
    public async Task the_reset_token_is_stored_only_as_its_hash()
    {
        await App.RegisterAsync("hugo@example.com");

        var token = (await SendAsync(new RequestPasswordReset("hugo@example.com"))).Executed.SingleMessage<PasswordResetRequested>().Token;

        await using var session = Store.QuerySession();
        var stored = await session.Query<PasswordResetToken>().ToListAsync();
        stored.ShouldHaveSingleItem().Id.ShouldBe(PasswordResetToken.HashOf(token));
        var json = await session.Json.FindByIdAsync<PasswordResetToken>(stored[0].Id);
        json.ShouldNotBeNull().ShouldNotContain(token);
    }

    [Fact]
    public async Task a_second_reset_request_within_five_minutes_sends_nothing_and_the_first_link_still_works()
    {
        await App.RegisterAsync("rosa@example.com");
        var first = (await SendAsync(new RequestPasswordReset("rosa@example.com"))).Executed.SingleMessage<PasswordResetRequested>();

        var again = await SendAsync(new RequestPasswordReset("rosa@example.com"));

        again.FindEnvelopesWithMessageType<PasswordResetRequested>().ShouldBeEmpty();
        (await InvokeAsync<UserResult>(new ResetPassword(first.Token, NewPassword))).Result.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task the_verification_token_is_stored_only_as_its_hash_and_verifying_publishes_UserEmailVerified()
    {
        var user = (await App.RegisterAsync("hana@example.com")).User;
        var token = App.Mail.VerificationTokenFor("hana@example.com");

        await using (var session = Store.QuerySession())
        {
            var stored = await session.Query<EmailVerificationToken>().ToListAsync();
            stored.ShouldHaveSingleItem().Id.ShouldBe(SingleUseToken.HashOf(token));
            (await session.Json.FindByIdAsync<EmailVerificationToken>(stored[0].Id)).ShouldNotBeNull().ShouldNotContain(token);
        }

        var (tracked, result) = await InvokeAsync<UserResult>(new VerifyEmail(token));

        result.User!.EmailVerified.ShouldBeTrue();
        var verified = tracked.FindSingleTrackedMessageOfType<UserEmailVerified>();
        (verified.UserId, verified.VerifiedAt).ShouldBe((user.Id, result.User.EmailVerifiedAt!.Value));
        result.User.UpdatedAt.ShouldBe(verified.VerifiedAt);
    }

    [Fact]
    public async Task a_resend_within_five_minutes_of_the_last_link_or_once_verified_sends_nothing()
    {
        var user = (await App.RegisterAsync("ines@example.com")).User;
        var token = App.Mail.VerificationTokenFor("ines@example.com");

        // The welcome e-mail's link is less than five minutes old: it still works, and no second one is sent.
        (await app.Host.SendMessageAndWaitAsync(new ResendVerification(user.Id), timeoutInMilliseconds: 30_000))
            .FindEnvelopesWithMessageType<EmailVerificationRequested>().ShouldBeEmpty();
        (await InvokeAsync<UserResult>(new VerifyEmail(token))).Result.User!.EmailVerified.ShouldBeTrue();

        await using (var session = Store.LightweightSession())
        {
            session.DeleteWhere<EmailVerificationToken>(t => t.UserId == user.Id);
            await session.SaveChangesAsync();
        }
        (await app.Host.SendMessageAndWaitAsync(new ResendVerification(user.Id), timeoutInMilliseconds: 30_000))
            .FindEnvelopesWithMessageType<EmailVerificationRequested>().ShouldBeEmpty();
        App.Mail.To("ines@example.com").ShouldHaveSingleItem(); // the welcome e-mail
    }

    [Fact]
    public async Task two_concurrent_verifications_with_one_token_succeed_once()
    {
        await App.RegisterAsync("jule@example.com");
        var token = App.Mail.VerificationTokenFor("jule@example.com");

        var results = await Task.WhenAll(
            app.Host.MessageBus().InvokeAsync<UserResult>(new VerifyEmail(token)),
            app.Host.MessageBus().InvokeAsync<UserResult>(new VerifyEmail(token)));

        results.Count(r => r.Failure is null).ShouldBe(1);
        results.Count(r => r.Failure == UserFailure.InvalidToken).ShouldBe(1);
    }

    private async Task BackDateResetTokenAsync(string token, TimeSpan by)
    {
        await using var session = Store.LightweightSession();
        var stored = (await session.LoadAsync<PasswordResetToken>(PasswordResetToken.HashOf(token)))!;
        stored.CreatedAt -= by;
        session.Store(stored);
        await session.SaveChangesAsync();
    }

    [Fact]
    public async Task a_new_reset_request_replaces_the_older_unused_token()
    {
        await App.RegisterAsync("nina@example.com");
        var first = (await SendAsync(new RequestPasswordReset("nina@example.com"))).Executed.SingleMessage<PasswordResetRequested>();
        await BackDateResetTokenAsync(first.Token, PasswordResetToken.ResendInterval);
        var second = (await SendAsync(new RequestPasswordReset("nina@example.com"))).Executed.SingleMessage<PasswordResetRequested>();

        second.Token.ShouldNotBe(first.Token);
        (await InvokeAsync<UserResult>(new ResetPassword(first.Token, NewPassword))).Result
            .ShouldBe(UserResult.Failed(UserFailure.InvalidToken));
        (await InvokeAsync<UserResult>(new ResetPassword(second.Token, NewPassword))).Result.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task an_expired_reset_token_is_InvalidToken_and_changes_nothing()
    {
        await App.RegisterAsync("ella@example.com");
        var token = (await SendAsync(new RequestPasswordReset("ella@example.com"))).Executed.SingleMessage<PasswordResetRequested>().Token;
        await using (var session = Store.LightweightSession())
        {
            var stored = (await session.LoadAsync<PasswordResetToken>(PasswordResetToken.HashOf(token)))!;
            stored.ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1);
            session.Store(stored);
            await session.SaveChangesAsync();
        }

        var (tracked, result) = await InvokeAsync<UserResult>(new ResetPassword(token, NewPassword));

        result.ShouldBe(UserResult.Failed(UserFailure.InvalidToken));
        tracked.FindEnvelopesWithMessageType<UserPasswordChanged>().ShouldBeEmpty();
        await ShouldLogInAsync("ella@example.com", Api.Password);
    }

    [Fact]
    public async Task an_unknown_reset_token_is_InvalidToken()
    {
        var (_, result) = await InvokeAsync<UserResult>(new ResetPassword("bm90IGEgdG9rZW4gdGhhdCB3YXMgZXZlciBpc3N1ZWQ", NewPassword));

        result.ShouldBe(UserResult.Failed(UserFailure.InvalidToken));
    }

    [Fact]
    public async Task two_concurrent_resets_with_one_token_succeed_once()
    {
        await App.RegisterAsync("otto@example.com");
        var token = (await SendAsync(new RequestPasswordReset("otto@example.com"))).Executed.SingleMessage<PasswordResetRequested>().Token;
        App.Mail.Clear();

        var results = await Task.WhenAll(
            app.Host.MessageBus().InvokeAsync<UserResult>(new ResetPassword(token, "first of two passphrases")),
            app.Host.MessageBus().InvokeAsync<UserResult>(new ResetPassword(token, "second of two passphrases")));

        results.Count(r => r.Failure is null).ShouldBe(1);
        results.Count(r => r.Failure == UserFailure.InvalidToken).ShouldBe(1);
        await App.Mail.WaitForAsync("otto@example.com");
        App.Mail.To("otto@example.com").ShouldHaveSingleItem();
    }

    [Fact]
    public async Task a_reset_request_for_an_unknown_email_publishes_nothing_and_sends_no_email()
    {
        await App.RegisterAsync("known@example.com");
        App.Mail.Clear();

        var tracked = await SendAsync(new RequestPasswordReset("unknown@example.com"));

        tracked.Executed.SingleMessage<RequestPasswordReset>();
        tracked.FindEnvelopesWithMessageType<PasswordResetRequested>().ShouldBeEmpty();
        App.Mail.Messages.ShouldBeEmpty();
        await using var session = Store.QuerySession();
        (await session.Query<PasswordResetToken>().CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task delete_removes_the_user_sends_a_goodbye_email_and_frees_the_email_for_a_new_account()
    {
        var user = (await App.RegisterAsync("gina@example.com", "Gina")).User;
        await SendAsync(new RequestPasswordReset("gina@example.com"));
        App.Mail.Clear();

        var (tracked, result) = await InvokeAsync<UserResult>(new DeleteUser(user.Id, Api.Password));

        (result.User!.Id, result.User.Email).ShouldBe((user.Id, user.Email));
        var deleted = tracked.Executed.MessagesOf<UserDeleted>().Distinct().Single();
        deleted.UserId.ShouldBe(user.Id);
        deleted.Email.ShouldBe("gina@example.com");
        var goodbye = await App.Mail.WaitForAsync("gina@example.com");
        goodbye.Subject.ShouldContain("deleted");
        App.Mail.To("gina@example.com").ShouldHaveSingleItem();
        (await InvokeAsync<UserResult>(new GetUser(user.Id))).Result.ShouldBe(UserResult.Failed(UserFailure.NotFound));
        (await InvokeAsync<UserResult>(new DeleteUser(user.Id, Api.Password))).Result.ShouldBe(UserResult.Failed(UserFailure.NotFound));
        await ShouldNotLogInAsync("gina@example.com", Api.Password);
        await using (var session = Store.QuerySession())
            (await session.Query<PasswordResetToken>().CountAsync()).ShouldBe(0);

        App.Mail.Clear();
        var again = (await App.RegisterAsync("gina@example.com", "Gina")).User;
        again.Id.ShouldNotBe(user.Id);
    }

    [Fact]
    public async Task delete_of_an_unknown_user_is_NotFound_and_publishes_nothing()
    {
        var (tracked, result) = await InvokeAsync<UserResult>(new DeleteUser(Guid.NewGuid(), Api.Password));

        result.ShouldBe(UserResult.Failed(UserFailure.NotFound));
        tracked.FindEnvelopesWithMessageType<UserDeleted>().ShouldBeEmpty();
    }

    [Fact]
    public async Task list_users_pages_in_registration_order_with_the_total()
    {
        var registered = new List<Modular.Gateway.Users.User>();
        foreach (var name in new[] { "one", "two", "three", "four", "five" })
            registered.Add((await App.RegisterAsync($"{name}@example.com")).User);

        var first = await ListAsync(1, 2);
        var last = await ListAsync(3, 2);
        var beyond = await ListAsync(4, 2);

        first.Items.Select(u => u.Id).ShouldBe(registered.Take(2).Select(u => u.Id));
        first.Page.ShouldBe(1);
        first.PageSize.ShouldBe(2);
        first.Total.ShouldBe(5);
        last.Items.ShouldHaveSingleItem().Id.ShouldBe(registered[4].Id);
        last.Total.ShouldBe(5);
        beyond.Items.ShouldBeEmpty();
        beyond.Total.ShouldBe(5);
    }

    [Fact]
    public async Task list_users_clamps_a_page_below_1_and_a_page_size_outside_1_to_100()
    {
        await App.RegisterAsync("solo@example.com");

        var large = await ListAsync(0, 1000);
        var small = await ListAsync(-3, 0);

        (large.Page, large.PageSize, large.Total).ShouldBe((1, 100, 1L));
        large.Items.ShouldHaveSingleItem().Email.ShouldBe("solo@example.com");
        (small.Page, small.PageSize).ShouldBe((1, 1));
        small.Items.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task a_hash_made_with_fewer_iterations_is_made_again_at_the_next_login()
    {
        var user = (await App.RegisterAsync("olga@example.com")).User;
        // The framework's default of 100,000 iterations, as hashes of an earlier release were made.
        var oldHash = new Microsoft.AspNetCore.Identity.PasswordHasher<User>().HashPassword(new User(), Api.Password);
        await using (var session = Store.LightweightSession())
        {
            var stored = (await session.LoadAsync<User>(user.Id))!;
            stored.PasswordHash = oldHash;
            session.Store(stored);
            await session.SaveChangesAsync();
        }
        IterationsOf(oldHash).ShouldBe(100_000);

        await ShouldLogInAsync("olga@example.com", Api.Password);

        await using var query = Store.QuerySession();
        var rehashed = (await query.LoadAsync<User>(user.Id))!.PasswordHash;
        IterationsOf(rehashed).ShouldBe(Passwords.Iterations);
        await ShouldLogInAsync("olga@example.com", Api.Password);
    }

    /// <summary>The iteration count of an ASP.NET Core Identity v3 hash: bytes 5-8, big-endian, after the format and PRF.</summary>
    private static int IterationsOf(string hash) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(Convert.FromBase64String(hash).AsSpan(5, 4));

    private IDocumentStore Store => app.Host.Services.GetRequiredService<IDocumentStore>();

    private async Task<(ITrackedSession Tracked, T Result)> InvokeAsync<T>(object request) where T : class
    {
        var (tracked, result) = await app.Host.InvokeMessageAndWaitAsync<T>(request, 30_000);
        return (tracked, result.ShouldNotBeNull());
    }

    private async Task<ITrackedSession> SendAsync(RequestPasswordReset request) =>
        await app.Host.SendMessageAndWaitAsync(request, timeoutInMilliseconds: 30_000);

    private async Task<UserPage> ListAsync(int page, int pageSize) =>
        (await InvokeAsync<UserPage>(new ListUsers(page, pageSize))).Result;

    private async Task ShouldLogInAsync(string email, string password) =>
        (await InvokeAsync<UserResult>(new VerifyCredentials(email, password))).Result.Failure.ShouldBeNull();

    private async Task ShouldNotLogInAsync(string email, string password) =>
        (await InvokeAsync<UserResult>(new VerifyCredentials(email, password))).Result
            .ShouldBe(UserResult.Failed(UserFailure.InvalidCredentials));

    private static string BodyOf(SmtpMessage message) =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(message.Data))).TextBody.ShouldNotBeNull();

    /// <summary>The token of the reset link, which points at the web app (APP_BASE_URL, unset in the tests).</summary>
    private static string TokenIn(string body)
    {
        var link = ResetLink().Match(body);
        link.Success.ShouldBeTrue($"no reset link in:\n{body}");
        return Uri.UnescapeDataString(link.Groups["token"].Value);
    }

    [GeneratedRegex(@"http://localhost:3000/reset-password\?token=(?<token>[^\s]+)")]
    private static partial Regex ResetLink();
}
