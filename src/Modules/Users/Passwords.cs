using Microsoft.AspNetCore.Identity;

namespace Modular.Users;

/// <summary>
/// Salted PBKDF2 hashes (the framework's <see cref="PasswordHasher{TUser}"/>: HMAC-SHA512, a 128-bit salt) at
/// OWASP's current minimum of <see cref="Iterations"/> iterations for HMAC-SHA512; a hash made with fewer is
/// made again at the next successful login. Verifying against an unknown account still costs one full hash
/// check, so the answer time does not tell whether it exists.
/// </summary>
public sealed class Passwords
{
    /// <summary>OWASP Password Storage Cheat Sheet, PBKDF2-HMAC-SHA512 (the framework's default is 100,000).</summary>
    public const int Iterations = 210_000;

    private readonly PasswordHasher<User> _hasher =
        new(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = Iterations }));
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
