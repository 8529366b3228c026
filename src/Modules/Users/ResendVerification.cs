using Marten;
using Microsoft.Extensions.Logging;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Users;

public static class ResendVerificationHandler
{
    /// <returns>The event that makes Notifications send a new verification link; nothing when none is due.</returns>
    public static async Task<EmailVerificationRequested?> Handle(
        ResendVerification command, IDocumentSession session, ILogger<ResendVerification> logger, CancellationToken ct)
    {
        if (await session.LoadAsync<User>(command.UserId, ct) is not { } user || user.EmailVerifiedAt is not null)
            return null;

        var now = DateTimeOffset.UtcNow;
        var recently = now - SingleUseToken.ResendInterval;
        if (await session.Query<EmailVerificationToken>().AnyAsync(t => t.UserId == user.Id && t.UsedAt == null && t.CreatedAt > recently, ct))
        {
            // The gateway has answered 202 all the same: the last e-mail's link still works.
            logger.LogInformation("Verification e-mail asked for again within {Minutes} minutes; no new e-mail",
                SingleUseToken.ResendInterval.TotalMinutes);
            return null;
        }

        // Only the latest e-mail's link works.
        session.DeleteWhere<EmailVerificationToken>(t => t.UserId == user.Id);
        var (verification, token) = EmailVerificationToken.Issue(user.Id, now);
        session.Insert(verification);

        return new EmailVerificationRequested(Guid.CreateVersion7(now), user.Id, user.Email, user.Name, token, verification.ExpiresAt);
    }
}
