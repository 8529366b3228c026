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
    /// <summary>When the owner followed a verification link; null until then.</summary>
    public DateTimeOffset? EmailVerifiedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// Marks a change at <paramref name="now"/>. <see cref="UpdatedAt"/> only ever grows, by at least a
    /// microsecond per change, whatever the clocks of the user-service replicas say: the gateway's read model
    /// takes it as the version of the account (a copy with an older one never replaces a newer one).
    /// </summary>
    public DateTimeOffset Touch(DateTimeOffset now) =>
        UpdatedAt = now >= UpdatedAt.AddMicroseconds(1) ? now : UpdatedAt.AddMicroseconds(1);

    public UserDetails ToDetails() => new(Id, Email, Name, Roles.ToArray(), EmailVerifiedAt is not null, EmailVerifiedAt, CreatedAt, UpdatedAt);
}
