using Microsoft.AspNetCore.Identity;

namespace Modular.Users;

/// <summary>
/// Salted PBKDF2 hashes (the framework's <see cref="PasswordHasher{TUser}"/>). Verifying against an
/// unknown account still costs one full hash check, so the answer time does not tell whether it exists.
/// </summary>
public sealed class Passwords
{
    private readonly PasswordHasher<User> _hasher = new();
    private readonly string _decoyHash;

    public Passwords() => _decoyHash = _hasher.HashPassword(new User(), Guid.NewGuid().ToString());

    public string Hash(User user, string password) => _hasher.HashPassword(user, password);

    /// <returns>Whether the password matches; <paramref name="rehash"/> says the stored hash uses old parameters.</returns>
    public bool Verify(User? user, string password, out bool rehash)
    {
        var result = _hasher.VerifyHashedPassword(user ?? new User(), user?.PasswordHash ?? _decoyHash, password);
        rehash = user is not null && result == PasswordVerificationResult.SuccessRehashNeeded;
        return user is not null && result != PasswordVerificationResult.Failed;
    }
}
