using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class PasswordResetRequestedHandler
{
    public const string Template = "password-reset";

    public static Email Handle(PasswordResetRequested requested, MailSettings settings) =>
        new(Template, requested.EventId, requested.UserId,
            new MailboxAddress(requested.Name, requested.Email),
            new
            {
                name = requested.Name,
                email = requested.Email,
                reset_link = settings.ResetLink(requested.Token),
                expires_at = EmailTemplates.UtcMinute(requested.ExpiresAt),
            });
}
