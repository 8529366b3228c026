using Marten;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Users;

public static class DeleteUserHandler
{
    // A hard delete: the e-mail is free to register again, and nothing of the account stays behind.
    public static Task<AccountChange> LoadAsync(DeleteUser command, IQuerySession session, CancellationToken ct) =>
        AccountChange.LoadAsync(session, command.UserId, command.IdempotencyKey, ct);

    public static (UserResult, UserDeleted?) Handle(DeleteUser command, AccountChange loaded, IDocumentSession session, Passwords passwords)
    {
        if (loaded.Remembered is { } remembered) return (remembered, null);
        if (loaded.User is not { } user) return (UserResult.Failed(UserFailure.NotFound), null);

        // A stolen access token alone must not be enough to destroy the account.
        if (!passwords.Verify(user, command.CurrentPassword, out _))
            return (UserResult.Failed(UserFailure.InvalidCredentials), null);

        session.Delete(user);
        session.DeleteWhere<PasswordResetToken>(t => t.UserId == user.Id);
        session.DeleteWhere<EmailVerificationToken>(t => t.UserId == user.Id);
        session.Delete<LoginLockout>(user.Id);

        var now = DateTimeOffset.UtcNow;
        // The trail stays, counted, without what points at a person; this last entry has no client either.
        session.Anonymise(user.Id);
        session.Record(user.Id, SecurityEventTypes.AccountDeleted, now, null);
        // Remembered without the address and the name: nothing that names the deleted account stays behind
        // (a retry only needs to learn that the account is gone).
        session.Remember(command.IdempotencyKey, (UserResult.Success(user.ToDetails() with { Email = "", Name = "" }), (UserDeleted?)null));
        return (UserResult.Success(user.ToDetails()), new UserDeleted(Guid.CreateVersion7(now), user.Id, user.Email, user.Name, now));
    }
}
