using System.Globalization;
using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
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
        var message = new MimeMessage
        {
            Subject = "Reset your Modular password",
            Body = new TextPart("plain")
            {
                Text = $"Hello {requested.Name},\n\n" +
                    $"someone asked to reset the password of your account {requested.Email}. To choose a new one, open\n\n" +
                    $"{link}\n\n" +
                    $"The link works once and expires in 30 minutes (at {expiresAt} UTC).\n" +
                    "If you did not ask for this, ignore this e-mail: your password stays as it is.\n\n— Modular",
            },
        };
        message.From.Add(settings.From);
        message.To.Add(new MailboxAddress(requested.Name, requested.Email));

        await mail.SendOnceAsync(session, logger, requested.EventId, Template, requested.UserId, message, ct);
    }
}
