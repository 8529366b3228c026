using Marten;
using Microsoft.Extensions.Logging;
using Modular.BuildingBlocks;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Users;

public static class RequestPasswordResetHandler
{
    /// <returns>The event that makes Notifications send the reset e-mail; nothing for an unknown e-mail.</returns>
    public static async Task<PasswordResetRequested?> Handle(
        RequestPasswordReset command, IDocumentSession session, ILogger<RequestPasswordReset> logger, CancellationToken ct)
    {
        var email = Emails.Normalize(command.Email);
        var user = await session.Query<User>().FirstOrDefaultAsync(u => u.Email == email, ct);

        // Made for unknown e-mails too, so that the time spent hardly tells whether the account exists
        // (the gateway answers 202 before this runs; the logs and metrics of this handler are what remain).
        var now = DateTimeOffset.UtcNow;
        var (reset, token) = PasswordResetToken.Issue(user?.Id ?? Guid.Empty, now);
        if (user is null)
        {
            logger.LogDebug("Password reset requested for an e-mail without an account; nothing sent");
            return null;
        }

        var recently = now - SingleUseToken.ResendInterval;
        if (await session.Query<PasswordResetToken>().AnyAsync(t => t.UserId == user.Id && t.UsedAt == null && t.CreatedAt > recently, ct))
        {
            // The gateway has answered 202 all the same: the last e-mail's link still works.
            logger.LogInformation("Password reset requested again within {Minutes} minutes; no new e-mail",
                SingleUseToken.ResendInterval.TotalMinutes);
            return null;
        }

        // Only the latest e-mail's link works.
        session.DeleteWhere<PasswordResetToken>(t => t.UserId == user.Id);
        session.Insert(reset);

        return new PasswordResetRequested(Guid.CreateVersion7(now), user.Id, user.Email, user.Name, token, reset.ExpiresAt);
    }
}
