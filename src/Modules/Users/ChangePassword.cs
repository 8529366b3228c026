using Marten;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Users;

public static class ChangePasswordHandler
{
    public static Task<AccountChange> LoadAsync(ChangePassword command, IQuerySession session, CancellationToken ct) =>
        AccountChange.LoadAsync(session, command.UserId, command.IdempotencyKey, ct);

    public static (UserResult, UserPasswordChanged?) Handle(ChangePassword command, AccountChange loaded, IDocumentSession session, Passwords passwords)
    {
        if (loaded.Remembered is { } remembered) return (remembered, null);
        if (loaded.User is not { } user) return (UserResult.Failed(UserFailure.NotFound), null);

        if (!passwords.Verify(user, command.CurrentPassword, out _))
            return (UserResult.Failed(UserFailure.InvalidCredentials), null);

        var now = user.Touch(DateTimeOffset.UtcNow);
        user.PasswordHash = passwords.Hash(user, command.NewPassword);
        session.Store(user);
        session.Record(user.Id, SecurityEventTypes.PasswordChanged, now, command.Client);

        return session.Remember(command.IdempotencyKey, (UserResult.Success(user.ToDetails()),
            new UserPasswordChanged(Guid.CreateVersion7(now), user.Id, user.Email, user.Name, now)));
    }
}
