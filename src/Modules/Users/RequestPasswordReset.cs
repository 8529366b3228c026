using Marten;
using Microsoft.Extensions.Logging;
using Modular.BuildingBlocks;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Users;

public static class RequestPasswordResetHandler
{
    /// <summary>What the request reads before it decides: the account of the e-mail, and whether it was sent a link that still works moments ago.</summary>
    public sealed record ResetRequest(User? User, bool SentRecently);

    public static async Task<ResetRequest> LoadAsync(RequestPasswordReset command, IQuerySession session, CancellationToken ct)
    {
        var email = Emails.Normalize(command.Email);
        if (await session.Query<User>().FirstOrDefaultAsync(u => u.Email == email, ct) is not { } user) return new(null, false);
        return new(user, await SingleUseToken.SentRecentlyAsync<PasswordResetToken>(session, user.Id, ct));
    }

    /// <returns>The event that makes Notifications send the reset e-mail; nothing for an unknown e-mail.</returns>
    public static PasswordResetRequested? Handle(RequestPasswordReset command, ResetRequest loaded, IDocumentSession session, ILogger<RequestPasswordReset> logger)
    {
        // Made for unknown e-mails too, so that the time spent hardly tells whether the account exists
        // (the gateway answers 202 before this runs; the logs and metrics of this handler are what remain).
        var now = DateTimeOffset.UtcNow;
        var (reset, token) = PasswordResetToken.Issue(loaded.User?.Id ?? Guid.Empty, now);
        if (loaded.User is not { } user)
        {
            logger.LogDebug("Password reset requested for an e-mail without an account; nothing sent");
            return null;
        }

        if (loaded.SentRecently)
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
