using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class EmailVerificationRequestedHandler
{
    public const string Template = "verify-email";

    public static Email Handle(EmailVerificationRequested requested, MailSettings settings) =>
        new(Template, requested.EventId, requested.UserId,
            new MailboxAddress(requested.Name, requested.Email),
            new
            {
                name = requested.Name,
                email = requested.Email,
                verify_link = settings.VerificationLink(requested.Token),
                expires_at = EmailTemplates.UtcMinute(requested.ExpiresAt),
            });
}
