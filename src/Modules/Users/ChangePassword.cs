using Marten;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Users;

public static class ChangePasswordHandler
{
    public static async Task<(UserResult, UserPasswordChanged?)> Handle(
        ChangePassword command, IDocumentSession session, Passwords passwords, CancellationToken ct)
    {
        if (await session.FindAsync(command.IdempotencyKey, ct) is { } remembered) return (remembered, null);
        if (await session.LoadAsync<User>(command.UserId, ct) is not { } user)
            return (UserResult.Failed(UserFailure.NotFound), null);

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
