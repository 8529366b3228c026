using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class EmailVerificationRequestedHandler
{
    public const string Template = "verify-email";

    public static async Task Handle(EmailVerificationRequested requested, IDocumentSession session, IMailSender mail, MailSettings settings,
        ILogger<EmailVerificationRequested> logger, CancellationToken ct)
    {
        await mail.SendOnceAsync(session, settings, logger, Template, requested.EventId, requested.UserId,
            new MailboxAddress(requested.Name, requested.Email),
            new
            {
                name = requested.Name,
                email = requested.Email,
                verify_link = settings.VerificationLink(requested.Token),
                expires_at = EmailTemplates.UtcMinute(requested.ExpiresAt),
            }, ct);
    }
}
