using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Modular.Users;

/// <summary>
/// A pending password reset, in schema <c>users</c>, keyed by the SHA-256 hash of its token: the token
/// itself exists only in the e-mail, so a leaked table cannot reset anyone's password. A used token is
/// kept, marked, until the user's next request or deletion, so that its single use is checked by the
/// document's version (optimistic concurrency) rather than by its absence.
/// </summary>
public sealed class PasswordResetToken
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    /// <summary>At most one reset e-mail per account in this time: forgot-password cannot be used to flood a mailbox.</summary>
    public static readonly TimeSpan ResendInterval = TimeSpan.FromMinutes(5);

    public string Id { get; set; } = "";
    public Guid UserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }

    public bool IsUsableAt(DateTimeOffset now) => UsedAt is null && now < ExpiresAt;

    /// <summary>A new random token (256 bits, base64url) and the hash it is stored under.</summary>
    public static (string Token, string Hash) NewToken()
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (token, HashOf(token));
    }

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
