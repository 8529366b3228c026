using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Modular.BuildingBlocks.Persistence;
using Modular.Notifications;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts.Events;

namespace Modular.Tests.Notifications;

/// <summary>
/// The delivery log's row of an e-mail the SMTP server has accepted waits for a database that went away in that instant
/// (ADR 6): CI saw a welcome e-mail sent twice at a PostgreSQL restart, because the row's commit failed and the handler
/// ran again. The database is reached through a port that is closed for 2 s right after the send.
/// </summary>
public sealed class DeliveryLogOutageTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(2);

    /// <summary>Accepts every e-mail, and takes the database away as it does, bringing it back after <see cref="Outage"/>.</summary>
    private sealed class SenderThatLosesTheDatabase(TcpForwarder database) : IMailSender
    {
        public List<MimeMessage> Sent { get; } = [];

        public Task SendAsync(MimeMessage message, CancellationToken ct)
        {
            Sent.Add(message);
            database.Close();
            _ = Task.Delay(Outage, CancellationToken.None).ContinueWith(_ => database.Open(), TaskScheduler.Default);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task an_email_whose_row_meets_a_database_outage_is_recorded_when_it_is_back_and_never_sent_again()
    {
        var database = new Uri(TestEnvironment.DatabaseUrl);
        using var forwarder = new TcpForwarder(database.Port);
        forwarder.Open();
        var connectionString = ModularPersistence.ParseDatabaseUrl(new UriBuilder(database) { Port = forwarder.Port }.Uri.ToString());
        using var store = DocumentStore.For(marten =>
        {
            ModularPersistence.ConfigureStore(marten, connectionString);
            marten.DatabaseSchemaName = "delivery_log_outage_test";
        });
        var sender = new SenderThatLosesTheDatabase(forwarder);
        var settings = new MailSettings(new MailboxAddress("Modular", "no-reply@modular.test"), new Uri("http://localhost:3000"));
        var registered = new UserRegistered(Guid.NewGuid(), Guid.NewGuid(), "ada@example.com", "Ada", DateTimeOffset.UtcNow,
            "token", DateTimeOffset.UtcNow.AddDays(1));
        var email = UserRegisteredHandler.Handle(registered, settings);

        await email.ExecuteAsync(store, sender, settings, NullLogger<Email>.Instance, CancellationToken.None);
        await email.ExecuteAsync(store, sender, settings, NullLogger<Email>.Instance, CancellationToken.None); // redelivered

        sender.Sent.Count.ShouldBe(1);
        await using var query = store.QuerySession();
        (await query.LoadAsync<SentEmail>(SentEmail.IdFor(registered.EventId, UserRegisteredHandler.Template)))
            .ShouldNotBeNull().MessageId.ShouldBe(sender.Sent[0].MessageId);
    }
}
