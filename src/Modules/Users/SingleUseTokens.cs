using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Modular.Users.Contracts;

namespace Modular.Users;

/// <summary>
/// A token that an e-mail carries and the owner of the address sends back once, in schema <c>users</c>, keyed
/// by the SHA-256 hash of the token: the token itself exists only in the e-mail, so a leaked table cannot be
/// used. A used token is kept, marked, until the user's next request or deletion, so that its single use is
/// checked by the document's version (optimistic concurrency) rather than by its absence.
/// </summary>
public abstract class SingleUseToken
{
    /// <summary>At most one e-mail with a new token per account in this time: no request can be used to flood a mailbox.</summary>
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

    /// <summary>Whether <paramref name="userId"/> was sent a <typeparamref name="T"/> within <see cref="ResendInterval"/> that still works.</summary>
    public static Task<bool> SentRecentlyAsync<T>(IQuerySession session, Guid userId, CancellationToken ct) where T : SingleUseToken
    {
        var recently = DateTimeOffset.UtcNow - ResendInterval;
        return session.Query<T>().AnyAsync(t => t.UserId == userId && t.UsedAt == null && t.CreatedAt > recently, ct);
    }

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>A new token for <paramref name="userId"/> valid for <paramref name="lifetime"/>: the document to store and the token to send.</summary>
    protected static (T Document, string Token) Issue<T>(Guid userId, DateTimeOffset now, TimeSpan lifetime) where T : SingleUseToken, new()
    {
        var (token, hash) = NewToken();
        return (new T { Id = hash, UserId = userId, CreatedAt = now, ExpiresAt = now + lifetime }, token);
    }
}

/// <summary>The token of a password-reset e-mail.</summary>
public sealed class PasswordResetToken : SingleUseToken
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    public static (PasswordResetToken Document, string Token) Issue(Guid userId, DateTimeOffset now) =>
        Issue<PasswordResetToken>(userId, now, Lifetime);
}

/// <summary>The token of the welcome e-mail's verification link (and of a resent one): it proves the address is the user's.</summary>
public sealed class EmailVerificationToken : SingleUseToken
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public static (EmailVerificationToken Document, string Token) Issue(Guid userId, DateTimeOffset now) =>
        Issue<EmailVerificationToken>(userId, now, Lifetime);
}

/// <summary>
/// What a use of a single-use token reads before it decides (as <see cref="AccountChange"/> for a change by id): the
/// answer of an earlier attempt under the request's key, else the token by its hash and the account it belongs to.
/// </summary>
public sealed record TokenUse<T>(T? Token, User? User, UserResult? Remembered) where T : SingleUseToken
{
    public static async Task<TokenUse<T>> LoadAsync(IQuerySession session, string token, string? key, CancellationToken ct)
    {
        if (await session.FindAsync(key, ct) is { } remembered) return new(null, null, remembered);
        var found = await session.LoadAsync<T>(SingleUseToken.HashOf(token), ct);
        return new(found, found is null ? null : await session.LoadAsync<User>(found.UserId, ct), null);
    }
}
