using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Notifications.Templates;
using JasperFx;
using JasperFx.CodeGeneration;
using Wolverine;
using Wolverine.Attributes;
using Wolverine.Configuration;
using Wolverine.Runtime.Handlers;

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
/// after the handler (a side effect), before it commits the handler's Marten session. Sent once per event and template:
/// the row of the delivery log it inserts commits with the handler's transaction (and the inbox's mark that the event
/// was handled), so a redelivered event finds its row and sends nothing twice.
/// </summary>
/// <param name="UserId">Whose e-mail it is, kept in the delivery log; <see cref="Guid.Empty"/> for none.</param>
/// <param name="Model">The template's variables.</param>
public sealed record Email(string Template, Guid EventId, Guid UserId, MailboxAddress Recipient, object Model) : ISideEffect
{
    public async Task ExecuteAsync(IDocumentSession session, IMailSender mail, MailSettings settings, ILogger<Email> logger, CancellationToken ct)
    {
        var id = SentEmail.IdFor(EventId, Template);
        if (await session.LoadAsync<SentEmail>(id, ct) is not null)
        {
            logger.LogInformation("The {Template} e-mail of event {EventId} was sent before; not sending it again", Template, EventId);
            return;
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
        session.Insert(new SentEmail
        {
            Id = id, EventId = EventId, Template = Template, UserId = UserId, SentAt = DateTimeOffset.UtcNow, MessageId = message.MessageId,
        });
        logger.LogInformation("Sent the {Template} e-mail of event {EventId} to user {UserId}", Template, EventId, UserId);
    }

    /// <summary>Without <see cref="Model"/>: it holds the e-mail's links, whose tokens must never reach a log line.</summary>
    public override string ToString() => $"Email {{ Template = {Template}, EventId = {EventId}, UserId = {UserId} }}";

    public static string MessageIdFor(Guid eventId, string template, MailboxAddress from) =>
        $"{template}.{eventId:N}@{from.Domain}";

    /// <summary>
    /// Makes every handler that returns an <see cref="Email"/> transactional: Wolverine commits its Marten session (the
    /// delivery log's row) after the side effect. Wolverine's <c>AutoApplyTransactions</c> decides before side effects
    /// add their dependencies, so a handler that takes no session itself would get one that is never committed, and the
    /// e-mail would go out again on every redelivery.
    /// </summary>
    internal sealed class CommitsWithTheHandler : IHandlerPolicy
    {
        public void Apply(IReadOnlyList<HandlerChain> chains, GenerationRules rules, IServiceContainer container)
        {
            foreach (var chain in chains.Where(c => !c.IsTransactional && c.Handlers.Any(h => h.Method.ReturnType == typeof(Email))))
                new TransactionalAttribute().Modify(chain, rules, container);
        }
    }
}
