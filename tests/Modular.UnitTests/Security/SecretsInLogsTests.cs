using System.Reflection;
using System.Runtime.CompilerServices;
using Modular.Users.Contracts;

namespace Modular.UnitTests.Security;

/// <summary>
/// Wolverine logs a failed message with its <c>ToString()</c> ("Invocation of VerifyCredentials { ... } failed!"),
/// and a record prints every property: no message may print a password or a token. Every contract type is
/// walked, so a message added tomorrow cannot forget.
/// </summary>
public sealed class SecretsInLogsTests
{
    public static TheoryData<Type> MessagesWithSecrets() => new(TypesWithSecrets());

    private static IEnumerable<Type> TypesWithSecrets() =>
        typeof(VerifyCredentials).Assembly.GetExportedTypes().Where(t => SecretProperties(t).Any());

    [Theory]
    [MemberData(nameof(MessagesWithSecrets))]
    public void a_message_never_prints_its_passwords_or_tokens(Type type)
    {
        var message = RuntimeHelpers.GetUninitializedObject(type);
        foreach (var property in type.GetProperties().Where(p => p.PropertyType == typeof(string)))
            property.SetValue(message, $"value-of-{property.Name}");

        var printed = message.ToString()!;

        printed.ShouldStartWith(type.Name);
        foreach (var secret in SecretProperties(type))
            printed.ShouldNotContain($"value-of-{secret.Name}", customMessage: $"{type.Name}.ToString() prints {secret.Name}");
    }

    [Fact]
    public void the_messages_that_carry_secrets_are_found()
    {
        TypesWithSecrets().Select(t => t.Name).ShouldBe(
            ["RegisterUser", "VerifyCredentials", "ChangePassword", "ResetPassword", "DeleteUser", "VerifyEmail",
             "PasswordResetRequested", "UserRegistered", "EmailVerificationRequested"], ignoreOrder: true);
    }

    private static IEnumerable<PropertyInfo> SecretProperties(Type type) =>
        type.GetProperties().Where(p => p.PropertyType == typeof(string)
            && (p.Name.Contains("Password", StringComparison.OrdinalIgnoreCase) || p.Name.Contains("Token", StringComparison.OrdinalIgnoreCase)));
}
