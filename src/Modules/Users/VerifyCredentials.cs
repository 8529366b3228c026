using Marten;
using Modular.BuildingBlocks;
using Modular.Users.Contracts;

namespace Modular.Users;

public static class VerifyCredentialsHandler
{
    public static async Task<UserResult> Handle(
        VerifyCredentials command, IDocumentSession session, Passwords passwords, CancellationToken ct)
    {
        var email = Emails.Normalize(command.Email);
        var user = await session.Query<User>().FirstOrDefaultAsync(u => u.Email == email, ct);

        // Unknown e-mail and wrong password take the same time and give the same answer.
        if (!passwords.Verify(user, command.Password, out var rehash))
            return UserResult.Failed(UserFailure.InvalidCredentials);

        if (rehash)
        {
            user!.PasswordHash = passwords.Hash(user, command.Password);
            session.Store(user);
        }
        return UserResult.Success(user!.ToDetails());
    }
}
