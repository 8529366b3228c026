using Marten;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Modular.Users;

public static class ResetPasswordHandler
{
    // Two concurrent resets with one token both find it unused; the token's version stops the second
    // at commit, and its retry finds the token used and answers InvalidToken.
    public static void Configure(HandlerChain chain) =>
        chain.OnException(StorageConflicts.IsConcurrencyConflict).RetryTimes(2);

    public static async Task<(UserResult, UserPasswordChanged?)> Handle(
        ResetPassword command, IDocumentSession session, Passwords passwords, CancellationToken ct)
    {
        if (await session.FindAsync(command.IdempotencyKey, ct) is { } remembered) return (remembered, null);
        var now = DateTimeOffset.UtcNow;
        var reset = await session.LoadAsync<PasswordResetToken>(PasswordResetToken.HashOf(command.Token), ct);
        if (reset is null || !reset.IsUsableAt(now) || await session.LoadAsync<User>(reset.UserId, ct) is not { } user)
            return (UserResult.Failed(UserFailure.InvalidToken), null);

        user.PasswordHash = passwords.Hash(user, command.NewPassword);
        user.Touch(now);
        session.Store(user);
        reset.UsedAt = now;
        session.Store(reset);
        session.DeleteWhere<PasswordResetToken>(t => t.UserId == user.Id && t.Id != reset.Id);
        // The owner proved the mailbox: a lockout ends, and the count of wrong passwords starts again.
        session.Delete<LoginLockout>(user.Id);
        session.Record(user.Id, SecurityEventTypes.PasswordReset, now, command.Client);

        return session.Remember(command.IdempotencyKey, (UserResult.Success(user.ToDetails()),
            new UserPasswordChanged(Guid.CreateVersion7(now), user.Id, user.Email, user.Name, user.UpdatedAt)));
    }
}
