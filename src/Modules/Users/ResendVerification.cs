using Marten;
using Microsoft.Extensions.Logging;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Users;

public static class ResendVerificationHandler
{
    /// <summary>What the request reads before it decides: the account, and whether it was sent a link that still works moments ago.</summary>
    public sealed record ResendRequest(User? User, bool SentRecently);

    public static async Task<ResendRequest> LoadAsync(ResendVerification command, IQuerySession session, CancellationToken ct)
    {
        if (await session.LoadAsync<User>(command.UserId, ct) is not { EmailVerifiedAt: null } user) return new(null, false);
        return new(user, await SingleUseToken.SentRecentlyAsync<EmailVerificationToken>(session, user.Id, ct));
    }

    /// <returns>The event that makes Notifications send a new verification link; nothing when none is due (no account, verified already).</returns>
    public static EmailVerificationRequested? Handle(ResendVerification command, ResendRequest loaded, IDocumentSession session, ILogger<ResendVerification> logger)
    {
        if (loaded.User is not { } user) return null;
        if (loaded.SentRecently)
        {
            // The gateway has answered 202 all the same: the last e-mail's link still works.
            logger.LogInformation("Verification e-mail asked for again within {Minutes} minutes; no new e-mail",
                SingleUseToken.ResendInterval.TotalMinutes);
            return null;
        }

        // Only the latest e-mail's link works.
        var now = DateTimeOffset.UtcNow;
        session.DeleteWhere<EmailVerificationToken>(t => t.UserId == user.Id);
        var (verification, token) = EmailVerificationToken.Issue(user.Id, now);
        session.Insert(verification);

        return new EmailVerificationRequested(Guid.CreateVersion7(now), user.Id, user.Email, user.Name, token, verification.ExpiresAt);
    }
}
