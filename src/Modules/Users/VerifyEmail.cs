using Marten;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Modular.Users;

public static class VerifyEmailHandler
{
    // Two concurrent verifications with one token both find it unused; the token's version stops the second
    // at commit, and its retry finds the token used and answers InvalidToken.
    public static void Configure(HandlerChain chain) =>
        chain.OnException(StorageConflicts.IsConcurrencyConflict).RetryTimes(2);

    public static async Task<(UserResult, UserEmailVerified?)> Handle(
        VerifyEmail command, IDocumentSession session, UsersSettings settings, CancellationToken ct)
    {
        if (await session.FindAsync(command.IdempotencyKey, ct) is { } remembered) return (remembered, null);
        var now = DateTimeOffset.UtcNow;
        var verification = await session.LoadAsync<EmailVerificationToken>(SingleUseToken.HashOf(command.Token), ct);
        if (verification is null || !verification.IsUsableAt(now) || await session.LoadAsync<User>(verification.UserId, ct) is not { } user)
            return (UserResult.Failed(UserFailure.InvalidToken), null);

        user.EmailVerifiedAt = user.Touch(now);
        // The address is proved: now, and only now, an ADMIN_EMAILS address is an admin.
        user.Roles = settings.RolesFor(user.Email, verified: true);
        session.Store(user);
        verification.UsedAt = now;
        session.Store(verification);
        session.Record(user.Id, SecurityEventTypes.EmailVerified, now, command.Client);
        session.DeleteWhere<EmailVerificationToken>(t => t.UserId == user.Id && t.Id != verification.Id);

        return session.Remember(command.IdempotencyKey, (UserResult.Success(user.ToDetails()), new UserEmailVerified(Guid.CreateVersion7(now), user.Id, user.Email, user.UpdatedAt)));
    }
}
