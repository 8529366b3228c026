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

    /// <summary>
    /// What an unknown account's password is checked against: a hash in the current format and with
    /// <see cref="Iterations"/> iterations (a unit test holds it to them) of a random password nobody kept
    /// (docs/adr/0028). A constant, because hashing one when the module starts put a whole hash (~0.1 s of CPU) into
    /// every cold start. That it is public changes nothing: no account has it, and <see cref="Verify"/> refuses a
    /// missing account whatever it returns.
    /// </summary>
    public const string DecoyHash = "AQAAAAIAAzRQAAAAEJ2Y3pCQPDzbrq2WRfYdTsnsToIMrcyxWdD4PtZaqEyC/NBx4oFVLFu+1YkH0P0Vgg==";

    private readonly PasswordHasher<User> _hasher =
        new(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = Iterations }));

    public string Hash(User user, string password) => _hasher.HashPassword(user, password);

    /// <returns>Whether the password matches; <paramref name="rehash"/> says the stored hash uses old parameters.</returns>
    public bool Verify(User? user, string password, out bool rehash)
    {
        var result = _hasher.VerifyHashedPassword(user ?? new User(), user?.PasswordHash ?? DecoyHash, password);
        rehash = user is not null && result == PasswordVerificationResult.SuccessRehashNeeded;
        return user is not null && result != PasswordVerificationResult.Failed;
    }
}
