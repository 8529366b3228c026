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
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var pending = new NpgsqlCommand(
                $"select count(*) from {ModularPersistence.MessageStorageSchema(serviceName)}.wolverine_incoming_envelopes where status = 'Incoming'",
                connection);
            if ((long)(await pending.ExecuteScalarAsync())! == 0) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the inbox of {serviceName} was not drained");
            await Task.Delay(200);
        }
    }
}
