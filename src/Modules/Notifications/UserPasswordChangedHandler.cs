using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserPasswordChangedHandler
{
    public const string Template = "password-changed";

    public static Email Handle(UserPasswordChanged changed) =>
        new(Template, changed.EventId, changed.UserId,
            new MailboxAddress(changed.Name, changed.Email),
            new { name = changed.Name, email = changed.Email, changed_at = EmailTemplates.UtcMinute(changed.ChangedAt) });
}
