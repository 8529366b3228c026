namespace Modular.Users.Contracts;

// Users -> anyone. Published through the durable outbox in the transaction that made the change.

public sealed record UserRegistered(Guid UserId, string Email, string Name, DateTimeOffset RegisteredAt);
