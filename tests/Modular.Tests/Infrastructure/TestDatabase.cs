using Modular.BuildingBlocks.Persistence;
using Npgsql;

namespace Modular.Tests.Infrastructure;

/// <summary>Looks into the PostgreSQL state the hosts under test keep.</summary>
public static class TestDatabase
{
    public static async Task<NpgsqlConnection> OpenAsync(string databaseUrl)
    {
        var connection = new NpgsqlConnection(ModularPersistence.ParseDatabaseUrl(databaseUrl));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>
    /// Waits until <paramref name="serviceName"/> has handled every message it received: nothing is left
    /// in its durable inbox. The state of a process the test does not control, read where it is kept.
    /// </summary>
    public static async Task WaitUntilInboxIsDrainedAsync(string databaseUrl, string serviceName)
    {
        await using var connection = await OpenAsync(databaseUrl);
        var pending = await Eventually.ReadAsync(async () =>
        {
            await using var count = new NpgsqlCommand(
                $"select count(*) from {ModularPersistence.MessageStorageSchema(serviceName)}.wolverine_incoming_envelopes where status = 'Incoming'",
                connection);
            return (long)(await count.ExecuteScalarAsync())!;
        }, n => n == 0, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        if (pending != 0) throw new TimeoutException($"the inbox of {serviceName} was not drained: {pending} messages left");
    }
}
