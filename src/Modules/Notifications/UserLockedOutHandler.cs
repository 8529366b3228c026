using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserLockedOutHandler
{
    public const string Template = "account-locked";

    /// <summary>One e-mail per lockout (the event's id is the delivery log's dedupe key), never one per wrong password.</summary>
    public static Email Handle(UserLockedOut locked, MailSettings settings) =>
        new(Template, locked.EventId, locked.UserId,
            new MailboxAddress(locked.Name, locked.Email),
            new
            {
                name = locked.Name,
                email = locked.Email,
                locked_until = EmailTemplates.UtcMinute(locked.LockedUntil),
                forgot_link = settings.ForgotPasswordLink,
            });
}
