using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserRegisteredHandler
{
    public const string Template = "welcome";

    public static Email Handle(UserRegistered registered, MailSettings settings) =>
        new(Template, registered.EventId, registered.UserId,
            new MailboxAddress(registered.Name, registered.Email),
            new
            {
                name = registered.Name,
                email = registered.Email,
                verify_link = settings.VerificationLink(registered.VerificationToken),
                expires_at = EmailTemplates.UtcMinute(registered.VerificationExpiresAt),
            });
}
