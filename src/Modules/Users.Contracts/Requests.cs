using Modular.Contracts;

namespace Modular.Users.Contracts;

// Gateway -> Users requests; on topic users.requests in split mode (UsersTopics).
// Full type names are the wire identity: keep the namespace.

// IdempotencyKey: the request's Idempotency-Key as the gateway scoped and hashed it (docs/adr/0018). Users remembers
// the answer of the change made under it, so a retry after a 504 gets that answer instead of a second change.

// Records print every property, and Wolverine logs a failed message with its ToString(): those that carry
// a password or a token print everything but that.

/// <summary>Answered with a <see cref="UserResult"/>: the new user, or <see cref="UserFailure.EmailTaken"/>.</summary>
public sealed record RegisterUser(string Email, string Password, string? Name, RequestOrigin? Client = null, string? IdempotencyKey = null) : IRequest
{
    public override string ToString() => $"RegisterUser {{ Email = {Email}, Name = {Name} }}";
}

/// <summary>Answered with a <see cref="UserResult"/>: the user, or <see cref="UserFailure.InvalidCredentials"/>.</summary>
public sealed record VerifyCredentials(string Email, string Password, RequestOrigin? Client = null) : IRequest
{
    public override string ToString() => $"VerifyCredentials {{ Email = {Email} }}";
}

/// <summary>Answered with a <see cref="UserResult"/>: the user, or <see cref="UserFailure.NotFound"/>.</summary>
public sealed record GetUser(Guid UserId) : IRequest;

/// <summary>Answered with a <see cref="UserResult"/>: the updated user, or <see cref="UserFailure.NotFound"/>.</summary>
public sealed record UpdateProfile(Guid UserId, string Name) : IRequest;

/// <summary>
/// Answered with a <see cref="UserResult"/>: the user, <see cref="UserFailure.InvalidCredentials"/> when the
/// current password is wrong, or <see cref="UserFailure.NotFound"/>.
/// </summary>
public sealed record ChangePassword(Guid UserId, string CurrentPassword, string NewPassword, RequestOrigin? Client = null,
    string? IdempotencyKey = null) : IRequest
{
    public override string ToString() => $"ChangePassword {{ UserId = {UserId} }}";
}

/// <summary>
/// Sent, not invoked: nobody learns whether the account exists. If it does, Users creates a single-use
/// reset token and publishes <see cref="Events.PasswordResetRequested"/>.
/// </summary>
public sealed record RequestPasswordReset(string Email) : IRequest;

/// <summary>Answered with a <see cref="UserResult"/>: the user, or <see cref="UserFailure.InvalidToken"/>.</summary>
public sealed record ResetPassword(string Token, string NewPassword, RequestOrigin? Client = null, string? IdempotencyKey = null) : IRequest
{
    public override string ToString() => "ResetPassword { }";
}

/// <summary>
/// Answered with a <see cref="UserResult"/>: the deleted user, <see cref="UserFailure.InvalidCredentials"/> when the
/// current password is wrong (the owner's proof, as for a password change), or <see cref="UserFailure.NotFound"/>.
/// </summary>
public sealed record DeleteUser(Guid UserId, string CurrentPassword, RequestOrigin? Client = null, string? IdempotencyKey = null) : IRequest
{
    public override string ToString() => $"DeleteUser {{ UserId = {UserId} }}";
}

/// <summary>
/// Answered with a <see cref="UserResult"/>: the user, now verified (and an admin if <c>ADMIN_EMAILS</c> lists the
/// address), or <see cref="UserFailure.InvalidToken"/>.
/// </summary>
public sealed record VerifyEmail(string Token, RequestOrigin? Client = null, string? IdempotencyKey = null) : IRequest
{
    public override string ToString() => "VerifyEmail { }";
}

/// <summary>
/// Sent, not invoked. Unless the address is verified already or a link was sent in the last five minutes, Users
/// issues a new verification token (the older ones stop working) and publishes <see cref="Events.EmailVerificationRequested"/>.
/// </summary>
public sealed record ResendVerification(Guid UserId) : IRequest;

/// <summary>Answered with a <see cref="UserPage"/>, ordered by creation time. Page is 1-based.</summary>
public sealed record ListUsers(int Page, int PageSize) : IRequest;
