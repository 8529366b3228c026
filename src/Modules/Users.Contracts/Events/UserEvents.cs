namespace Modular.Users.Contracts.Events;

// Users -> anyone. Published through the durable outbox in the transaction that made the change;
// on topic users.events in split mode, keyed by UserId (see MessagingTopology).

// EventId identifies one occurrence, so a consumer can recognise a redelivered event.

public sealed record UserRegistered(Guid EventId, Guid UserId, string Email, string Name, DateTimeOffset RegisteredAt);
