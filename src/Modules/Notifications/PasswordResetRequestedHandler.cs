using System.Globalization;
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
        var link = settings.Link($"reset-password?token={Uri.EscapeDataString(requested.Token)}");
        var expiresAt = requested.ExpiresAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var message = EmailTemplates.Render(Template,
            new { name = requested.Name, email = requested.Email, reset_link = link, expires_at = expiresAt },
            settings.From, new MailboxAddress(requested.Name, requested.Email));

        await mail.SendOnceAsync(session, logger, requested.EventId, Template, requested.UserId, message, ct);
    }
}
