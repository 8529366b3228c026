using Marten;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Users;

public static class UpdateProfileHandler
{
    public static async Task<(UserResult, UserProfileUpdated?)> Handle(UpdateProfile command, IDocumentSession session, CancellationToken ct)
    {
        if (await session.LoadAsync<User>(command.UserId, ct) is not { } user)
            return (UserResult.Failed(UserFailure.NotFound), null);

        var now = user.Touch(DateTimeOffset.UtcNow);
        user.Name = command.Name.Trim();
        session.Store(user);

        return (UserResult.Success(user.ToDetails()), new UserProfileUpdated(Guid.CreateVersion7(now), user.Id, user.Name, now));
    }
}
