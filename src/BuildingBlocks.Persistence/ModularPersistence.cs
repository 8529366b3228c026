using JasperFx;
using Marten;
using Marten.Exceptions;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using Npgsql;
using Polly;
using Polly.Retry;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;

namespace Modular.BuildingBlocks.Persistence;

/// <summary>
/// The one Marten store of a process, in the PostgreSQL of <c>DATABASE_URL</c>. Modules that keep data
/// call <see cref="AddModularPersistence"/> and add their own schema with <c>ConfigureMarten</c>; the
/// store also holds Wolverine's durable inbox and outbox, so a module's writes and the messages they
/// cause commit in one transaction.
/// </summary>
public static class ModularPersistence
{
    public static WolverineOptions AddModularPersistence(this WolverineOptions opts, SettingsReader settings)
    {
        if (opts.Services.Any(d => d.ServiceType == typeof(PersistenceRegistered))) return opts;
        opts.Services.AddSingleton<PersistenceRegistered>();

        var connectionString = settings.Required("DATABASE_URL", ParseDatabaseUrl, secret: true);
        WarmUpConnection(connectionString);
        opts.Services.AddMarten(marten => ConfigureStore(marten, connectionString))
            .UseLightweightSessions()
            // Each service keeps its own inbox, outbox and node records: services that share a database
            // must not recover (and try to handle) each other's messages.
            .IntegrateWithWolverine(w => w.MessageStorageSchemaName = MessageStorageSchema(opts.ServiceName));

        // With a message store, nothing a process receives or sends is lost if it stops: every local
        // queue, listener and sender goes through the durable inbox and outbox.
        opts.Policies.UseDurableLocalQueues();
        opts.Policies.UseDurableInboxOnAllListeners();
        opts.Policies.UseDurableOutboxOnAllSendingEndpoints();
        // In one process, one event reaches each module's queue as the same envelope: the inbox must tell
        // them apart by destination, or the second module's copy would be dropped as a duplicate.
        opts.Durability.MessageIdentity = MessageIdentity.IdAndDestination;
        // A process killed with messages in its inbox or outbox: another node (or its restart) takes them over once the
        // dead node's health record is StaleNodeTimeout old, seen stale on two checks in a row. Wolverine's defaults
        // (checks every 10 s, stale after 1 min) left them waiting ~80 s; a live node writes its record every 5 s, so
        // 20 s is four missed writes (docs/adr/0021).
        opts.Durability.HealthCheckPollingTime = TimeSpan.FromSeconds(5);
        opts.Durability.StaleNodeTimeout = TimeSpan.FromSeconds(20);
        // A live node's outbox row whose send went through but whose delete did not (PostgreSQL restarting at that
        // moment: Wolverine's sending agent gives up the delete after four tries) stays owned by that node until it
        // restarts, and is sent again only then. Rows older than this are handed to any node's recovery instead, which
        // sends them again at once; receivers drop the repeat (inboxes, the delivery log, versions: docs/adr/0021).
        opts.Durability.OutboxStaleTime = OutboxStaleTime;

        // Marten creates a document's table on its first use in a process (AutoCreate above). Two replicas that use a
        // new document type at once race: one's CREATE INDEX fails with "already exists" (seen in CI: two user-services,
        // the first password resets of a fresh database, a RequestPasswordReset dead-lettered). The other's DDL has
        // committed by the retry, which finds the table and creates nothing.
        opts.Policies.OnException<MartenSchemaException>()
            .RetryWithCooldown(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));

        // A database that restarts or drops its connections fails the handlers running at that moment. They retry until
        // it is back (about 15 s in all) instead of going straight to the dead-letter queue, which lives in that database
        // too: the notification-service's listeners have no inbox (ADR 19), and a welcome e-mail's event was lost that
        // way in the fault suite ("PostgreSQL restarted", 57P03 "the database system is shutting down").
        opts.Policies.OnException(IsTransientDatabaseFailure)
            .RetryWithCooldown(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4),
                TimeSpan.FromSeconds(8));

        opts.Services.AddHealthChecks()
            .AddNpgSql(connectionString, name: "postgres", tags: [HealthEndpoints.ReadyTag, HealthEndpoints.StartupTag], timeout: HealthEndpoints.CheckTimeout);
        return opts;
    }

    /// <summary>
    /// Opens one connection to the database on a pool thread while the main thread goes on building the host. A
    /// process's first connection pays for initialising TLS once for the process (OpenSSL: ~0.25 s of a cold start on
    /// the critical path, traced; the second handshake took 3.5 ms), and the readiness check was that first
    /// connection, after the host's build. Failures are ignored: the readiness check and DependencyGate report them.
    /// </summary>
    private static void WarmUpConnection(string connectionString) => _ = Task.Run(async () =>
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
        }
        catch (Exception)
        {
            // Not reachable yet, or refused: said by the readiness check, with the reason.
        }
    });

    /// <summary>How old a row of a live node's outbox may get before any node's recovery sends it (docs/adr/0021).</summary>
    public static readonly TimeSpan OutboxStaleTime = TimeSpan.FromSeconds(30);

    /// <summary>The settings of the Marten store, whichever modules use it.</summary>
    public static void ConfigureStore(StoreOptions marten, string connectionString)
    {
        marten.Connection(connectionString);
        marten.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        // A commit that failed because the database ended its connection (restart, pg_terminate_backend) runs again on a
        // new connection, a few times within 350 ms, before Marten's own write policy. Marten does not replay those: a
        // commit may have landed before the connection died, and replaying event appends would duplicate them. This store
        // appends no events; its commits are upserts, deletes and inserts keyed by id, so a replay of a commit that landed
        // fails on the key and changes nothing (docs/adr/0025). Without it the handler's retry ran the whole handler
        // again, and an e-mail sent before its delivery log's insert met a dead connection went out twice (fault suite,
        // "PostgreSQL connections killed"). Npgsql empties the pool when the database ends a connection, so the next try
        // does not take another dead one.
        marten.ExtendWritePolly(polly => polly.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransientDatabaseFailure),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(50),
            BackoffType = DelayBackoffType.Exponential,
        }));
    }

    /// <summary>A failure of the database itself (down, restarting, connections cut), not of the command: worth retrying.</summary>
    public static bool IsTransientDatabaseFailure(Exception e) =>
        e is NpgsqlException { IsTransient: true } || e.InnerException is NpgsqlException { IsTransient: true };

    public static string MessageStorageSchema(string serviceName) =>
        "wolverine_" + new string(serviceName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary><c>postgres://user:pass@host:5432/db?sslmode=require</c>, or a plain Npgsql connection string.</summary>
    public static string ParseDatabaseUrl(string value)
    {
        if (!value.Contains("://"))
        {
            try
            {
                var plain = new NpgsqlConnectionStringBuilder(value);
                return string.IsNullOrEmpty(plain.Host) ? throw new FormatException("must name a host") : plain.ConnectionString;
            }
            catch (ArgumentException)
            {
                throw new FormatException("must be a postgres:// URL or an Npgsql connection string");
            }
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgres" or "postgresql") || uri.Host == "")
            throw new FormatException("must be a URL of the form postgres://user:password@host:5432/database");

        var userInfo = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
            Username = Uri.UnescapeDataString(userInfo[0]),
        };
        if (userInfo.Length == 2) builder.Password = Uri.UnescapeDataString(userInfo[1]);

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            try
            {
                builder[Uri.UnescapeDataString(parts[0])] = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "";
            }
            catch (ArgumentException)
            {
                throw new FormatException($"has an unknown query option '{Uri.UnescapeDataString(parts[0])}'");
            }
        }
        return builder.ConnectionString;
    }

    private sealed class PersistenceRegistered;
}
