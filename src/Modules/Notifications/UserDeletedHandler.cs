using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;
using Modular.Users.Contracts.Events;

namespace Modular.Notifications;

public static class UserDeletedHandler
{
    public const string Template = "goodbye";

    public static async Task Handle(UserDeleted deleted, IDocumentSession session, IMailSender mail, MailSettings settings,
        ILogger<UserDeleted> logger, CancellationToken ct)
    {
        var message = new MimeMessage
        {
            Subject = "Your Modular account was deleted",
            Body = new TextPart("plain")
            {
                Text = $"Hello {deleted.Name},\n\n" +
                    $"your account {deleted.Email} and its data have been deleted. Thank you for having been with us; " +
                    "you are welcome to register again at any time.\n\n— Modular",
            },
        };
        message.From.Add(settings.From);
        message.To.Add(new MailboxAddress(deleted.Name, deleted.Email));

        await mail.SendOnceAsync(session, logger, deleted.EventId, Template, deleted.UserId, message, ct);
    }
}
