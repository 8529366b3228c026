using Marten;
using Modular.BuildingBlocks.Persistence;
using Modular.Tests.Infrastructure;
using Npgsql;

namespace Modular.Tests.Reliability;

/// <summary>
/// The store's own retry of a write whose pooled connection the database ended while it was idle (ModularPersistence):
/// without it the handler ran again and a notification went out twice ("PostgreSQL connections killed" in the fault suite).
/// </summary>
public sealed class DroppedConnectionTests
{
    private const string ApplicationName = "dropped-connection-test";

    public sealed class Note
    {
        public string Id { get; set; } = "";
    }

    [Fact]
    public async Task a_write_on_a_connection_the_database_ended_commits_once_on_a_new_one()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(ModularPersistence.ParseDatabaseUrl(TestEnvironment.DatabaseUrl))
            { ApplicationName = ApplicationName }.ConnectionString;
        using var store = DocumentStore.For(marten =>
        {
            ModularPersistence.ConfigureStore(marten, connectionString);
            marten.DatabaseSchemaName = "dropped_connection_test";
        });
        await store.Advanced.Clean.DeleteAllDocumentsAsync();
        await using (var first = store.LightweightSession())
        {
            first.Insert(new Note { Id = "before" });
            await first.SaveChangesAsync();
        }

        // A busy process's pool holds more idle connections than the store tries a commit, and all die at once.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var busy = store.QuerySession();
            await busy.QueryAsync<int>("select 1 from pg_sleep(0.1)");
        }));
        await EndIdleConnectionsAsync(); // the store's pool still holds them, as a process does when an administrator ends them

        await using (var second = store.LightweightSession())
        {
            second.Insert(new Note { Id = "after" });
            await second.SaveChangesAsync();
        }
        await using var query = store.QuerySession();
        (await query.Query<Note>().OrderBy(n => n.Id).Select(n => n.Id).ToListAsync()).ShouldBe(["after", "before"]);
    }

    private static async Task EndIdleConnectionsAsync()
    {
        await using var connection = await TestDatabase.OpenAsync(TestEnvironment.DatabaseUrl);
        await using var terminate = new NpgsqlCommand(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = @name", connection);
        terminate.Parameters.AddWithValue("name", ApplicationName);
        ((long)(await terminate.ExecuteScalarAsync())!).ShouldBeGreaterThan(0, "no idle connection of the store to end");
    }
}
