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

    public static Task<TokenUse<PasswordResetToken>> LoadAsync(ResetPassword command, IQuerySession session, CancellationToken ct) =>
        TokenUse<PasswordResetToken>.LoadAsync(session, command.Token, command.IdempotencyKey, ct);

    public static (UserResult, UserPasswordChanged?) Handle(
        ResetPassword command, TokenUse<PasswordResetToken> loaded, IDocumentSession session, Passwords passwords)
    {
        if (loaded.Remembered is { } remembered) return (remembered, null);
        var now = DateTimeOffset.UtcNow;
        if (loaded is not { Token: { } reset, User: { } user } || !reset.IsUsableAt(now)) return (UserResult.Failed(UserFailure.InvalidToken), null);

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
