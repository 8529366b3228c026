namespace Modular.BuildingBlocks;

public static class Emails
{
    /// <summary>E-mail addresses are compared trimmed and lower-cased everywhere.</summary>
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}
