using Marten;
using Modular.Users.Contracts;

namespace Modular.Users;

public static class GetUserHandler
{
    public static async Task<UserResult> Handle(GetUser query, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<User>(query.UserId, ct) is { } user
            ? UserResult.Success(user.ToDetails())
            : UserResult.Failed(UserFailure.NotFound);
}
