using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Notifications.Templates;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserRegisteredHandler
{
    public const string Template = "welcome";

    public static async Task Handle(UserRegistered registered, IDocumentSession session, IMailSender mail, MailSettings settings,
        ILogger<UserRegistered> logger, CancellationToken ct)
    {
        await mail.SendOnceAsync(session, settings, logger, Template, registered.EventId, registered.UserId,
            new MailboxAddress(registered.Name, registered.Email),
            new
            {
                name = registered.Name,
                email = registered.Email,
                verify_link = settings.VerificationLink(registered.VerificationToken),
                expires_at = EmailTemplates.UtcMinute(registered.VerificationExpiresAt),
            }, ct);
    }
}
