using Modular.Contracts;

namespace Modular.Users.Contracts.Events;

// Users -> anyone. Published through the durable outbox in the transaction that made the change;
// on topic users.events in split mode, keyed by UserId (UsersTopics).
// EventId identifies one occurrence, so a consumer can recognise a redelivered event.

/// <summary>The welcome e-mail carries the link that verifies the address: the token itself, like <see cref="PasswordResetRequested"/>'s.</summary>
public sealed record UserRegistered(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset RegisteredAt,
    string VerificationToken, DateTimeOffset VerificationExpiresAt) : IEvent
{
    public override string ToString() =>
        $"UserRegistered {{ EventId = {EventId}, UserId = {UserId}, Email = {Email}, RegisteredAt = {RegisteredAt:O} }}";
}

/// <summary>A new verification link for an address not yet verified (resend-verification); older links stop working.</summary>
public sealed record EmailVerificationRequested(Guid EventId, Guid UserId, string Email, string Name, string Token, DateTimeOffset ExpiresAt) : IEvent
{
    public override string ToString() =>
        $"EmailVerificationRequested {{ EventId = {EventId}, UserId = {UserId}, Email = {Email}, ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>The owner proved the address; <paramref name="VerifiedAt"/> is also the account's new <c>updatedAt</c>.</summary>
public sealed record UserEmailVerified(Guid EventId, Guid UserId, string Email, DateTimeOffset VerifiedAt) : IEvent;

public sealed record UserProfileUpdated(Guid EventId, Guid UserId, string Name, DateTimeOffset UpdatedAt) : IEvent;

/// <summary>After change-password and after reset-password: the account's owner gets a security e-mail.</summary>
public sealed record UserPasswordChanged(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset ChangedAt) : IEvent;

/// <summary>Carries the reset token itself (only its hash is stored), because the e-mail must contain it; like every
/// message body it is written only encrypted (BuildingBlocks MessageEncryption).</summary>
public sealed record PasswordResetRequested(Guid EventId, Guid UserId, string Email, string Name, string Token, DateTimeOffset ExpiresAt) : IEvent
{
    // Wolverine logs a failed message with its ToString(): the token never takes part.
    public override string ToString() =>
        $"PasswordResetRequested {{ EventId = {EventId}, UserId = {UserId}, Email = {Email}, ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>
/// Password login for the account is refused until <paramref name="LockedUntil"/> after too many wrong passwords in
/// a row (LOGIN_LOCKOUT_*); its owner gets an e-mail. A password reset lifts it.
/// </summary>
public sealed record UserLockedOut(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset LockedUntil) : IEvent;

public sealed record UserDeleted(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset DeletedAt) : IEvent;
