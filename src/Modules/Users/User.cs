using Modular.Users.Contracts;

namespace Modular.Users;

/// <summary>The Marten document of an account, in schema <c>users</c>. Its e-mail is unique and lower-cased.</summary>
public sealed class User
{
    public Guid Id { get; set; }
    public string Email { get; set; } = "";
    public string Name { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public List<string> Roles { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public UserDetails ToDetails() => new(Id, Email, Name, Roles.ToArray(), CreatedAt, UpdatedAt);
}
