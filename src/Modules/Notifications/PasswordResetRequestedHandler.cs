using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class PasswordResetRequestedHandler
{
    public const string Template = "password-reset";

    public static async Task Handle(PasswordResetRequested requested, IDocumentSession session, IMailSender mail, MailSettings settings,
        ILogger<PasswordResetRequested> logger, CancellationToken ct)
    {
        await mail.SendOnceAsync(session, settings, logger, Template, requested.EventId, requested.UserId,
            new MailboxAddress(requested.Name, requested.Email),
            new
            {
                name = requested.Name,
                email = requested.Email,
                reset_link = settings.ResetLink(requested.Token),
                expires_at = EmailTemplates.UtcMinute(requested.ExpiresAt),
            }, ct);
    }
}
