using System.Security.Cryptography;
using Modular.BuildingBlocks.Configuration;
using Wolverine.Runtime.Serialization.Encryption;

namespace Modular.BuildingBlocks.Messaging;

/// <summary>
/// Every message body Wolverine writes is AES-256-GCM ciphertext (Wolverine's encrypting serializer): on the
/// Kafka topics, and in its inbox, outbox, scheduled and dead-letter tables in either mode. Some messages carry
/// a password or a reset token (RegisterUser, VerifyCredentials, ChangePassword, ResetPassword, DeleteUser,
/// PasswordResetRequested); whoever can read a topic, a table or a backup of either must not be able to log in
/// with them (docs/adr/0011). Every process holds the key: <c>MESSAGE_ENCRYPTION_KEY</c>, at least 32 bytes;
/// <c>MESSAGE_ENCRYPTION_PREVIOUS_KEY</c> keeps messages written under the key before a rotation readable.
/// </summary>
public static class MessageEncryption
{
    public const string KeyVariable = "MESSAGE_ENCRYPTION_KEY";
    public const string PreviousKeyVariable = "MESSAGE_ENCRYPTION_PREVIOUS_KEY";

    /// <summary>The keys, by id; the first is the one new messages are written under.</summary>
    public static IKeyProvider Read(SettingsReader settings)
    {
        var current = Derive(settings.RequiredKey(KeyVariable));
        var previous = settings.OptionalKey(PreviousKeyVariable) is { } bytes ? Derive(bytes) : null;
        var keys = new Dictionary<string, byte[]> { [KeyId(current)] = current };
        if (previous is not null) keys.TryAdd(KeyId(previous), previous);
        return new InMemoryKeyProvider(KeyId(current), keys);
    }

    /// <summary>
    /// <paramref name="plaintext"/> as AES-256-GCM ciphertext under the current message key, for a secret a process keeps
    /// outside a message (the gateway's stored answers to idempotent requests, docs/adr/0018): the key id, a random
    /// nonce, the tag and the ciphertext. <paramref name="context"/> is authenticated, not stored: the same context
    /// must be given to <see cref="OpenAsync"/>, so a blob copied to another place does not open there.
    /// </summary>
    public static async ValueTask<byte[]> SealAsync(IKeyProvider keys, ReadOnlyMemory<byte> plaintext, ReadOnlyMemory<byte> context)
    {
        var keyId = System.Text.Encoding.ASCII.GetBytes(keys.DefaultKeyId);
        var sealedBlob = new byte[1 + keyId.Length + NonceBytes + TagBytes + plaintext.Length];
        sealedBlob[0] = (byte)keyId.Length;
        keyId.CopyTo(sealedBlob, 1);
        var nonce = sealedBlob.AsMemory(1 + keyId.Length, NonceBytes);
        RandomNumberGenerator.Fill(nonce.Span);
        using var aes = new AesGcm(await keys.GetKeyAsync(keys.DefaultKeyId, CancellationToken.None), TagBytes);
        aes.Encrypt(nonce.Span, plaintext.Span, sealedBlob.AsSpan(1 + keyId.Length + NonceBytes + TagBytes),
            sealedBlob.AsSpan(1 + keyId.Length + NonceBytes, TagBytes), context.Span);
        return sealedBlob;
    }

    /// <summary>The plaintext of <see cref="SealAsync"/>'s blob; <see cref="CryptographicException"/> when it was altered or sealed for another context.</summary>
    public static async ValueTask<byte[]> OpenAsync(IKeyProvider keys, ReadOnlyMemory<byte> sealedBlob, ReadOnlyMemory<byte> context)
    {
        var blob = sealedBlob.Span;
        if (blob.Length < 1 || blob.Length < 1 + blob[0] + NonceBytes + TagBytes) throw new CryptographicException("Not a sealed blob.");
        var keyIdLength = blob[0];
        var keyId = System.Text.Encoding.ASCII.GetString(blob.Slice(1, keyIdLength));
        var key = await keys.GetKeyAsync(keyId, CancellationToken.None);
        blob = sealedBlob.Span;
        var nonce = blob.Slice(1 + keyIdLength, NonceBytes);
        var tag = blob.Slice(1 + keyIdLength + NonceBytes, TagBytes);
        var ciphertext = blob[(1 + keyIdLength + NonceBytes + TagBytes)..];
        var plaintext = new byte[ciphertext.Length];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(nonce, ciphertext, tag, plaintext, context.Span);
        return plaintext;
    }

    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>An AES-256 key from the variable's text, whatever its length (HKDF-SHA256).</summary>
    private static byte[] Derive(byte[] secret) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: "modular message encryption v1"u8.ToArray());

    /// <summary>Names the key in each message's header without revealing it: the receiver picks the key by it after a rotation.</summary>
    private static string KeyId(byte[] key) =>
        "k" + Convert.ToHexStringLower(HMACSHA256.HashData(key, "key id"u8))[..12];
}
