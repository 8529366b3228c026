using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserRegisteredHandler
{
    public static async Task Handle(
        UserRegistered registered, IMailSender mail, MailSettings settings, ILogger<UserRegistered> logger, CancellationToken ct)
    {
        var message = new MimeMessage
        {
            Subject = "Welcome to Modular",
            Body = new TextPart("plain")
            {
                Text = $"Hello {registered.Name},\n\nyour account {registered.Email} is ready.\n\n— Modular",
            },
        };
        message.From.Add(settings.From);
        message.To.Add(new MailboxAddress(registered.Name, registered.Email));

        await mail.SendAsync(message, ct);
        logger.LogInformation("Sent the welcome e-mail to user {UserId}", registered.UserId);
    }
}
