using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Notifications.Templates;

namespace Modular.Notifications;

/// <summary>
/// One row per e-mail sent, keyed by the event that caused it and the template, in schema
/// <c>notifications</c>. It commits with the handler's transaction (and the inbox's mark that the
/// event was handled), so a redelivered event finds its row and sends nothing twice.
/// </summary>
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

public static class DeliveryLog
{
    /// <summary>
    /// Renders <paramref name="template"/> for <paramref name="recipient"/> and sends it, unless the e-mail of
    /// this event and template was sent already. <paramref name="session"/> must be the handler's own, which
    /// Wolverine commits after the handler.
    /// </summary>
    public static async Task SendOnceAsync(this IMailSender mail, IDocumentSession session, MailSettings settings, ILogger logger,
        string template, Guid eventId, Guid userId, MailboxAddress recipient, object model, CancellationToken ct)
    {
        var id = SentEmail.IdFor(eventId, template);
        if (await session.LoadAsync<SentEmail>(id, ct) is not null)
        {
            logger.LogInformation("The {Template} e-mail of event {EventId} was sent before; not sending it again", template, eventId);
            return;
        }

        var message = EmailTemplates.Render(template, model, settings.From, recipient);
        // The same Message-ID on every attempt: the one copy SMTP can repeat (ADR 6) is recognisably the same
        // e-mail, and mail systems that deduplicate by Message-ID show it once.
        message.MessageId = MessageIdFor(eventId, template, settings.From);
        try
        {
            await mail.SendAsync(message, ct);
        }
        catch (Exception e) when (MailFailure.Classify(template, e) is { } failure)
        {
            MailMetrics.Failed.WithLabels(template, failure is PermanentMailFailure ? "permanent" : "transient").Inc();
            throw failure; // the error policies of NotificationsModule retry or dead-letter it
        }
        MailMetrics.Sent.WithLabels(template).Inc();
        session.Insert(new SentEmail
        {
            Id = id, EventId = eventId, Template = template, UserId = userId, SentAt = DateTimeOffset.UtcNow, MessageId = message.MessageId,
        });
        logger.LogInformation("Sent the {Template} e-mail of event {EventId} to user {UserId}", template, eventId, userId);
    }

    public static string MessageIdFor(Guid eventId, string template, MailboxAddress from) =>
        $"{template}.{eventId:N}@{from.Domain}";
}
