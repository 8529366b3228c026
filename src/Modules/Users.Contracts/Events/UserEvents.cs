namespace Modular.Users.Contracts.Events;

// Users -> anyone. Published through the durable outbox in the transaction that made the change;
// on topic users.events in split mode, keyed by UserId (see MessagingTopology).
// EventId identifies one occurrence, so a consumer can recognise a redelivered event.

public sealed record UserRegistered(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset RegisteredAt);

public sealed record UserProfileUpdated(Guid EventId, Guid UserId, string Name, DateTimeOffset UpdatedAt);

/// <summary>After change-password and after reset-password: the account's owner gets a security e-mail.</summary>
public sealed record UserPasswordChanged(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset ChangedAt);

/// <summary>Carries the reset token itself (only its hash is stored), because the e-mail must contain it; like every
/// message body it is written only encrypted (BuildingBlocks MessageEncryption).</summary>
public sealed record PasswordResetRequested(Guid EventId, Guid UserId, string Email, string Name, string Token, DateTimeOffset ExpiresAt)
{
    // Wolverine logs a failed message with its ToString(): the token never takes part.
    public override string ToString() =>
        $"PasswordResetRequested {{ EventId = {EventId}, UserId = {UserId}, Email = {Email}, ExpiresAt = {ExpiresAt:O} }}";
}

public sealed record UserDeleted(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset DeletedAt);
