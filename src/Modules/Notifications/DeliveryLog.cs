using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.BuildingBlocks.Persistence;
using Modular.Notifications.Templates;
using Polly;
using Polly.Retry;
using Wolverine;

namespace Modular.Notifications;

/// <summary>One row per e-mail sent (the delivery log), keyed by the event that caused it and the template, in schema <c>notifications</c>.</summary>
public sealed class SentEmail
{
    public string Id { get; set; } = "";
    public Guid EventId { get; set; }
    public string Template { get; set; } = "";
    /// <summary>Whose e-mail it was; <see cref="Guid.Empty"/> once the account is deleted (the row stays as the dedupe key).</summary>
    public Guid UserId { get; set; }
    public DateTimeOffset SentAt { get; set; }
    public string MessageId { get; set; } = "";

    public static string IdFor(Guid eventId, string template) => $"{template}:{eventId:N}";
}

/// <summary>
/// An e-mail a handler decided to send, returned from its <c>Handle</c>: Wolverine runs <see cref="ExecuteAsync"/> right
/// after the handler (a side effect). Sent once per event and template: the row of the delivery log it writes once the
/// SMTP server took the e-mail is the dedupe key, so a redelivered event, or the handler run again after a failure,
/// finds its row and sends nothing twice.
/// </summary>
/// <param name="UserId">Whose e-mail it is, kept in the delivery log; <see cref="Guid.Empty"/> for none.</param>
/// <param name="Model">The template's variables.</param>
public sealed record Email(string Template, Guid EventId, Guid UserId, MailboxAddress Recipient, object Model) : ISideEffect
{
    /// <summary>
    /// How long the row of an e-mail already sent waits for a database that went away (a restart, connections cut): about
    /// 30 s. The row commits on its own, not with the handler's session, and is retried alone: a failed commit of the
    /// handler would run the whole handler again, and the handler would send the e-mail again, because its row is not
    /// there (fault suite, "PostgreSQL restarted": a welcome e-mail sent twice). Past this bound that repeat is what
    /// remains (docs/adr/0006).
    /// </summary>
    private static readonly ResiliencePipeline RecordRetry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
    {
        ShouldHandle = new PredicateBuilder().Handle<Exception>(ModularPersistence.IsTransientDatabaseFailure),
        MaxRetryAttempts = 120,
        Delay = TimeSpan.FromMilliseconds(250),
        BackoffType = DelayBackoffType.Constant,
    }).Build();

    public async Task ExecuteAsync(IDocumentStore store, IMailSender mail, MailSettings settings, ILogger<Email> logger, CancellationToken ct)
    {
        var id = SentEmail.IdFor(EventId, Template);
        await using (var query = store.QuerySession())
        {
            if (await query.LoadAsync<SentEmail>(id, ct) is not null)
            {
                logger.LogInformation("The {Template} e-mail of event {EventId} was sent before; not sending it again", Template, EventId);
                return;
            }
        }

        var message = EmailTemplates.Render(Template, Model, settings.From, Recipient);
        // The same Message-ID on every attempt: the one copy SMTP can repeat (ADR 6) is recognisably the same
        // e-mail, and mail systems that deduplicate by Message-ID show it once.
        message.MessageId = MessageIdFor(EventId, Template, settings.From);
        try
        {
            await mail.SendAsync(message, ct);
        }
        catch (Exception e) when (MailFailure.Classify(Template, e) is { } failure)
        {
            MailMetrics.Failed.WithLabels(Template, failure is PermanentMailFailure ? "permanent" : "transient").Inc();
            throw failure; // the error policies of NotificationsModule retry or dead-letter it
        }
        MailMetrics.Sent.WithLabels(Template).Inc();
        var row = new SentEmail
        {
            Id = id, EventId = EventId, Template = Template, UserId = UserId, SentAt = DateTimeOffset.UtcNow, MessageId = message.MessageId,
        };
        await RecordRetry.ExecuteAsync(async token =>
        {
            await using var session = store.LightweightSession();
            session.Store(row); // an upsert: a commit that landed before its connection died is repeated harmlessly
            await session.SaveChangesAsync(token);
        }, ct);
        logger.LogInformation("Sent the {Template} e-mail of event {EventId} to user {UserId}", Template, EventId, UserId);
    }

    /// <summary>Without <see cref="Model"/>: it holds the e-mail's links, whose tokens must never reach a log line.</summary>
    public override string ToString() => $"Email {{ Template = {Template}, EventId = {EventId}, UserId = {UserId} }}";

    public static string MessageIdFor(Guid eventId, string template, MailboxAddress from) =>
        $"{template}.{eventId:N}@{from.Domain}";
}
