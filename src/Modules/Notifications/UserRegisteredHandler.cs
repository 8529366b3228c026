using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserRegisteredHandler
{
    public const string Template = "welcome";

    public static async Task Handle(UserRegistered registered, IDocumentSession session, IMailSender mail, MailSettings settings,
        ILogger<UserRegistered> logger, CancellationToken ct)
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

        await mail.SendOnceAsync(session, logger, registered.EventId, Template, registered.UserId, message, ct);
    }
}
