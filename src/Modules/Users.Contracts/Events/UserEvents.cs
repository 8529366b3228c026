namespace Modular.Users.Contracts.Events;

// Users -> anyone. Published through the durable outbox in the transaction that made the change;
// on topic users.events in split mode, keyed by UserId (see MessagingTopology).
// EventId identifies one occurrence, so a consumer can recognise a redelivered event.

public sealed record UserRegistered(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset RegisteredAt);

public sealed record UserProfileUpdated(Guid EventId, Guid UserId, string Name, DateTimeOffset UpdatedAt);

/// <summary>After change-password and after reset-password: the account's owner gets a security e-mail.</summary>
public sealed record UserPasswordChanged(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset ChangedAt);

/// <summary>Carries the reset token itself (only its hash is stored), because the e-mail must contain it.</summary>
public sealed record PasswordResetRequested(Guid EventId, Guid UserId, string Email, string Name, string Token, DateTimeOffset ExpiresAt);

public sealed record UserDeleted(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset DeletedAt);
