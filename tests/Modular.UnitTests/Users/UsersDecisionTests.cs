using Marten;
using Modular.Users;
using Modular.Users.Contracts;

namespace Modular.UnitTests.Users;

/// <summary>
/// The decisions of the Users handlers, without PostgreSQL: <c>Handle</c> gets what <c>LoadAsync</c> would have read and
/// queues its writes on a session that is never committed (a Marten session opens no connection until it reads or saves).
/// </summary>
public sealed class UsersDecisionTests : IDisposable
{
    private static readonly Passwords Passwords = new();
    private static readonly DocumentStore Store = DocumentStore.For(o => o.Connection("Host=127.0.0.1;Port=1;Database=never-opened"));
    private readonly IDocumentSession _session = Store.LightweightSession();
    private readonly User _user;

    public UsersDecisionTests()
    {
        _user = new User { Id = Guid.CreateVersion7(), Email = "ann@example.com", Name = "Ann", Roles = [Roles.User] };
        _user.PasswordHash = Passwords.Hash(_user, "the current passphrase");
    }

    public void Dispose() => _session.Dispose();

    [Fact]
    public void a_password_change_with_the_wrong_current_password_is_refused_and_writes_nothing()
    {
        var (result, changed) = ChangePasswordHandler.Handle(new ChangePassword(_user.Id, "a wrong guess", "a brand new passphrase", IdempotencyKey: "k1"),
            new AccountChange(_user, null), _session, Passwords);

        result.Failure.ShouldBe(UserFailure.InvalidCredentials);
        changed.ShouldBeNull();
        _session.PendingChanges.Operations().ShouldBeEmpty();
    }

    [Fact]
    public void a_password_change_stores_the_new_hash_records_it_in_the_trail_remembers_the_answer_and_tells_the_user()
    {
        var (result, changed) = ChangePasswordHandler.Handle(new ChangePassword(_user.Id, "the current passphrase", "a brand new passphrase", IdempotencyKey: "k1"),
            new AccountChange(_user, null), _session, Passwords);

        result.User!.Id.ShouldBe(_user.Id);
        changed.ShouldNotBeNull().Email.ShouldBe("ann@example.com");
        Passwords.Verify(_user, "a brand new passphrase", out _).ShouldBeTrue();
        _session.PendingChanges.AllChangedFor<User>().ShouldBe([_user]);
        _session.PendingChanges.AllChangedFor<SecurityEvent>().ShouldHaveSingleItem().Type.ShouldBe(SecurityEventTypes.PasswordChanged);
        _session.PendingChanges.AllChangedFor<RememberedResult>().ShouldHaveSingleItem().Id.ShouldBe("k1");
    }

    [Fact]
    public void a_change_repeated_under_its_key_answers_as_the_first_did_and_changes_nothing_again()
    {
        var first = UserResult.Success(_user.ToDetails());

        var (result, changed) = ChangePasswordHandler.Handle(new ChangePassword(_user.Id, "no longer the password", "another one", IdempotencyKey: "k1"),
            new AccountChange(null, first), _session, Passwords);

        result.ShouldBe(first);
        changed.ShouldBeNull();
        _session.PendingChanges.Operations().ShouldBeEmpty();
    }

    [Fact]
    public void a_deleted_account_is_remembered_without_its_address_or_name_while_the_event_still_addresses_the_goodbye()
    {
        var (result, deleted) = DeleteUserHandler.Handle(new DeleteUser(_user.Id, "the current passphrase", IdempotencyKey: "k2"),
            new AccountChange(_user, null), _session, Passwords);

        result.User!.Email.ShouldBe("ann@example.com");
        deleted.ShouldNotBeNull().Name.ShouldBe("Ann");
        var remembered = _session.PendingChanges.AllChangedFor<RememberedResult>().ShouldHaveSingleItem();
        (remembered.Result.User!.Email, remembered.Result.User.Name).ShouldBe(("", ""));
    }

    [Fact]
    public void a_change_to_an_account_that_is_gone_answers_not_found()
    {
        UpdateProfileHandler.Handle(new UpdateProfile(_user.Id, "Bea"), new AccountChange(null, null), _session)
            .Item1.Failure.ShouldBe(UserFailure.NotFound);
        _session.PendingChanges.Operations().ShouldBeEmpty();
    }

    [Fact]
    public void a_reset_token_works_once_within_its_lifetime_and_ends_a_lockout()
    {
        var now = DateTimeOffset.UtcNow;
        var (token, _) = PasswordResetToken.Issue(_user.Id, now);
        var command = new ResetPassword("the token itself", "a brand new passphrase");

        ResetPasswordHandler.Handle(command, new TokenUse<PasswordResetToken>(token, _user, null), _session, Passwords)
            .Item1.User!.Id.ShouldBe(_user.Id);
        token.UsedAt.ShouldNotBeNull();
        Passwords.Verify(_user, "a brand new passphrase", out _).ShouldBeTrue();
        _session.PendingChanges.Operations().ShouldContain(o => o.DocumentType == typeof(LoginLockout)); // its delete: the only write of a lockout here

        using var again = Store.LightweightSession();
        ResetPasswordHandler.Handle(command, new TokenUse<PasswordResetToken>(token, _user, null), again, Passwords)
            .Item1.Failure.ShouldBe(UserFailure.InvalidToken);
        var (expired, _) = PasswordResetToken.Issue(_user.Id, now - PasswordResetToken.Lifetime - TimeSpan.FromSeconds(1));
        ResetPasswordHandler.Handle(command, new TokenUse<PasswordResetToken>(expired, _user, null), again, Passwords)
            .Item1.Failure.ShouldBe(UserFailure.InvalidToken);
        again.PendingChanges.Operations().ShouldBeEmpty();
    }

    [Fact]
    public void a_registration_of_a_taken_email_is_refused_and_an_admin_address_starts_as_a_plain_user()
    {
        var settings = new UsersSettings(new HashSet<string> { "boss@example.com" }, LockoutPolicy.Default, TimeSpan.FromDays(90));
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        RegisterUserHandler.Handle(new RegisterUser("Boss@Example.com", "a long passphrase", null), new RegisterUserHandler.Registration(EmailTaken: true, null),
            _session, Passwords, settings, logger).Item1.Failure.ShouldBe(UserFailure.EmailTaken);
        _session.PendingChanges.Operations().ShouldBeEmpty();

        var (result, registered) = RegisterUserHandler.Handle(new RegisterUser("Boss@Example.com", "a long passphrase", null),
            new RegisterUserHandler.Registration(EmailTaken: false, null), _session, Passwords, settings, logger);
        result.User!.Email.ShouldBe("boss@example.com");
        result.User.Roles.ShouldBe([Roles.User]); // admin only once the address is verified
        registered.ShouldNotBeNull().VerificationToken.ShouldNotBeNullOrEmpty();
        _session.PendingChanges.AllChangedFor<EmailVerificationToken>().ShouldHaveSingleItem().Id
            .ShouldBe(SingleUseToken.HashOf(registered.VerificationToken)); // stored as its hash, never the token
    }

    [Fact]
    public void a_reset_request_sends_nothing_for_an_unknown_email_or_within_minutes_of_the_last_link()
    {
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger<RequestPasswordReset>.Instance;
        var command = new RequestPasswordReset("ann@example.com");

        RequestPasswordResetHandler.Handle(command, new RequestPasswordResetHandler.ResetRequest(null, false), _session, logger).ShouldBeNull();
        RequestPasswordResetHandler.Handle(command, new RequestPasswordResetHandler.ResetRequest(_user, SentRecently: true), _session, logger).ShouldBeNull();
        _session.PendingChanges.Operations().ShouldBeEmpty();

        var requested = RequestPasswordResetHandler.Handle(command, new RequestPasswordResetHandler.ResetRequest(_user, false), _session, logger);
        requested.ShouldNotBeNull().UserId.ShouldBe(_user.Id);
        _session.PendingChanges.AllChangedFor<PasswordResetToken>().ShouldHaveSingleItem().Id.ShouldBe(SingleUseToken.HashOf(requested.Token));
    }
}
