using Marten;
using Modular.BuildingBlocks;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Users;

/// <summary>
/// One handler rather than a load and a decision like the other changes: the lockout must be read under the account's
/// lock, and the lock is taken after the password hash (tens of milliseconds) so that it is never held while hashing.
/// </summary>
public static class VerifyCredentialsHandler
{
    // The two-key form of PostgreSQL's advisory locks has a key space of its own (Wolverine's locks use the
    // one-key form); the first key names what is locked, the second is the account.
    private const int LockoutLockSpace = 0x4c4f434b; // "LOCK"

    public static async Task<(UserResult, UserLockedOut?)> Handle(
        VerifyCredentials command, IDocumentSession session, Passwords passwords, UsersSettings settings, CancellationToken ct)
    {
        var email = Emails.Normalize(command.Email);
        var user = await session.Query<User>().FirstOrDefaultAsync(u => u.Email == email, ct);

        // Unknown e-mail, wrong password and a locked account take the same time and give the same answer:
        // the hash is computed in every case, before anything else is decided.
        var valid = passwords.Verify(user, command.Password, out var rehash);
        if (user is null) return (UserResult.Failed(UserFailure.InvalidCredentials), null);

        // Concurrent attempts on one account, from any gateway and any user-service replica, are counted one
        // after the other: the lock is held from here to the commit, which is a few milliseconds (the hash is done).
        await session.BeginTransactionAsync(ct);
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(?, hashtext(?))", ct, LockoutLockSpace, user.Id.ToString());
        var now = DateTimeOffset.UtcNow;
        var lockout = await session.LoadAsync<LoginLockout>(user.Id, ct) ?? new LoginLockout { Id = user.Id };

        // While locked even the right password is refused, and attempts do not count towards the next lockout.
        if (lockout.IsLockedAt(now))
        {
            session.Record(user.Id, SecurityEventTypes.LoginFailed, now, command.Client);
            return (UserResult.Failed(UserFailure.InvalidCredentials), null);
        }

        if (!valid)
        {
            var locked = lockout.RecordFailure(now, settings.Lockout);
            session.Store(lockout);
            session.Record(user.Id, SecurityEventTypes.LoginFailed, now, command.Client);
            // A microsecond later: the trail lists it after the failure that caused it, never before.
            if (locked) session.Record(user.Id, SecurityEventTypes.LockedOut, now.AddMicroseconds(1), command.Client);
            return (UserResult.Failed(UserFailure.InvalidCredentials),
                locked ? new UserLockedOut(Guid.CreateVersion7(now), user.Id, user.Email, user.Name, lockout.LockedUntil!.Value) : null);
        }

        session.Record(user.Id, SecurityEventTypes.LoginSucceeded, now, command.Client);
        if (lockout.ConsecutiveFailures > 0)
        {
            lockout.RecordSuccess();
            session.Store(lockout);
        }
        if (rehash)
        {
            user.PasswordHash = passwords.Hash(user, command.Password);
            session.Store(user);
        }
        return (UserResult.Success(user.ToDetails()), null);
    }
}
