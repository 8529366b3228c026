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

    /// <summary>An AES-256 key from the variable's text, whatever its length (HKDF-SHA256).</summary>
    private static byte[] Derive(byte[] secret) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: "modular message encryption v1"u8.ToArray());

    /// <summary>Names the key in each message's header without revealing it: the receiver picks the key by it after a rotation.</summary>
    private static string KeyId(byte[] key) =>
        "k" + Convert.ToHexStringLower(HMACSHA256.HashData(key, "key id"u8))[..12];
}
