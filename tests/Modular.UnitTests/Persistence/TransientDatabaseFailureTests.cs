using Modular.BuildingBlocks.Persistence;
using Npgsql;

namespace Modular.UnitTests.Persistence;

/// <summary>Which database failures a handler retries (ModularPersistence) rather than dead-letters at once.</summary>
public sealed class TransientDatabaseFailureTests
{
    [Theory]
    [InlineData(PostgresErrorCodes.CannotConnectNow)] // 57P03: the database system is shutting down / starting up
    [InlineData(PostgresErrorCodes.AdminShutdown)] // 57P01: terminating connection due to administrator command
    public void a_database_going_away_is_retried(string sqlState) =>
        ModularPersistence.IsTransientDatabaseFailure(new PostgresException("gone", "FATAL", "FATAL", sqlState)).ShouldBeTrue();

    [Fact]
    public void a_failure_wrapped_by_marten_is_judged_by_its_cause() =>
        ModularPersistence.IsTransientDatabaseFailure(
            new InvalidOperationException("wrapped", new PostgresException("gone", "FATAL", "FATAL", PostgresErrorCodes.CannotConnectNow))).ShouldBeTrue();

    [Theory]
    [InlineData(PostgresErrorCodes.UniqueViolation)]
    [InlineData(PostgresErrorCodes.UndefinedTable)]
    public void a_command_the_database_refuses_is_not(string sqlState) =>
        ModularPersistence.IsTransientDatabaseFailure(new PostgresException("refused", "ERROR", "ERROR", sqlState)).ShouldBeFalse();
}
