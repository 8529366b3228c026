using System.Globalization;
using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserPasswordChangedHandler
{
    public const string Template = "password-changed";

    public static async Task Handle(UserPasswordChanged changed, IDocumentSession session, IMailSender mail, MailSettings settings,
        ILogger<UserPasswordChanged> logger, CancellationToken ct)
    {
        var changedAt = changed.ChangedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var message = new MimeMessage
        {
            Subject = "Your Modular password was changed",
            Body = new TextPart("plain")
            {
                Text = $"Hello {changed.Name},\n\n" +
                    $"the password of your account {changed.Email} was changed at {changedAt} UTC.\n\n" +
                    "If this was not you, reset your password right away and tell us.\n\n— Modular",
            },
        };
        message.From.Add(settings.From);
        message.To.Add(new MailboxAddress(changed.Name, changed.Email));

        await mail.SendOnceAsync(session, logger, changed.EventId, Template, changed.UserId, message, ct);
    }
}
