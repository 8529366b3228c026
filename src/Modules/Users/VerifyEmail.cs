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

    public static Task<TokenUse<EmailVerificationToken>> LoadAsync(VerifyEmail command, IQuerySession session, CancellationToken ct) =>
        TokenUse<EmailVerificationToken>.LoadAsync(session, command.Token, command.IdempotencyKey, ct);

    public static (UserResult, UserEmailVerified?) Handle(
        VerifyEmail command, TokenUse<EmailVerificationToken> loaded, IDocumentSession session, UsersSettings settings)
    {
        if (loaded.Remembered is { } remembered) return (remembered, null);
        var now = DateTimeOffset.UtcNow;
        if (loaded is not { Token: { } verification, User: { } user } || !verification.IsUsableAt(now)) return (UserResult.Failed(UserFailure.InvalidToken), null);

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
