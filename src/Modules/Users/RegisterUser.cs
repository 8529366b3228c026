using Marten;
using Microsoft.Extensions.Logging;
using Modular.BuildingBlocks;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Modular.Users;

public static class RegisterUserHandler
{
    // Two concurrent registrations of one e-mail can both pass the check in Handle; the unique index
    // stops the second at commit, and its retry finds the first account and answers EmailTaken.
    public static void Configure(HandlerChain chain) =>
        chain.OnException(StorageConflicts.IsUniqueViolation).RetryTimes(2);

    /// <summary>What the registration reads before it decides: the answer of an earlier attempt under the key, else whether the e-mail has an account.</summary>
    public sealed record Registration(bool EmailTaken, UserResult? Remembered);

    public static async Task<Registration> LoadAsync(RegisterUser command, IQuerySession session, CancellationToken ct)
    {
        if (await session.FindAsync(command.IdempotencyKey, ct) is { } remembered) return new(false, remembered);
        var email = Emails.Normalize(command.Email);
        return new(await session.Query<User>().AnyAsync(u => u.Email == email, ct), null);
    }

    public static (UserResult, UserRegistered?) Handle(
        RegisterUser command, Registration loaded, IDocumentSession session, Passwords passwords, UsersSettings settings, ILogger logger)
    {
        if (loaded.Remembered is { } remembered) return (remembered, null);
        if (loaded.EmailTaken) return (UserResult.Failed(UserFailure.EmailTaken), null);
        var email = Emails.Normalize(command.Email);

        var now = DateTimeOffset.UtcNow;
        var user = new User
        {
            Id = Guid.CreateVersion7(now),
            Email = email,
            Name = string.IsNullOrWhiteSpace(command.Name) ? email.Split('@')[0] : command.Name.Trim(),
            // Even an ADMIN_EMAILS address is a plain user until its owner follows the verification link.
            Roles = settings.RolesFor(email, verified: false),
            CreatedAt = now,
            UpdatedAt = now,
        };
        user.PasswordHash = passwords.Hash(user, command.Password);
        session.Insert(user);
        var (verification, token) = EmailVerificationToken.Issue(user.Id, now);
        session.Insert(verification);
        session.Record(user.Id, SecurityEventTypes.Registered, now, command.Client);
        logger.LogInformation("Registered user {UserId}", user.Id);

        return session.Remember(command.IdempotencyKey, (UserResult.Success(user.ToDetails()),
            new UserRegistered(Guid.CreateVersion7(now), user.Id, user.Email, user.Name, now, token, verification.ExpiresAt)));
    }
}
