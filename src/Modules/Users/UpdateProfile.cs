using Marten;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Users;

public static class UpdateProfileHandler
{
    public static Task<AccountChange> LoadAsync(UpdateProfile command, IQuerySession session, CancellationToken ct) =>
        AccountChange.LoadAsync(session, command.UserId, key: null, ct);

    public static (UserResult, UserProfileUpdated?) Handle(UpdateProfile command, AccountChange loaded, IDocumentSession session)
    {
        if (loaded.User is not { } user) return (UserResult.Failed(UserFailure.NotFound), null);

        var now = user.Touch(DateTimeOffset.UtcNow);
        user.Name = command.Name.Trim();
        session.Store(user);

        return (UserResult.Success(user.ToDetails()), new UserProfileUpdated(Guid.CreateVersion7(now), user.Id, user.Name, now));
    }
}
