namespace Modular.Users.Contracts;

// Gateway -> Users requests, answered with a UserResult; on topic users.requests in split mode (see MessagingTopology).
// Full type names are the wire identity: keep the namespace.

public sealed record RegisterUser(string Email, string Password, string? Name);

public sealed record VerifyCredentials(string Email, string Password);

public sealed record GetUser(Guid UserId);
