using JasperFx;
using Npgsql;

namespace Modular.Users;

/// <summary>The exceptions by which PostgreSQL stops the loser of a race at commit; its handler retries and then decides again.</summary>
internal static class StorageConflicts
{
    /// <summary>A unique index refused a second row (two registrations of one e-mail).</summary>
    public static bool IsUniqueViolation(Exception e) => e switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        { InnerException: { } inner } => IsUniqueViolation(inner),
        _ => false,
    };

    /// <summary>A document's version changed since it was loaded (two uses of one single-use token).</summary>
    public static bool IsConcurrencyConflict(Exception e) => e switch
    {
        ConcurrencyException => true,
        { InnerException: { } inner } => IsConcurrencyConflict(inner),
        _ => false,
    };
}
