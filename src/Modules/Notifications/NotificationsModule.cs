using Marten;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Persistence;
using Wolverine;

namespace Modular.Notifications;

public static class NotificationsModule
{
    public const string Schema = "notifications";

    /// <summary>Runs the Notifications module in this process: its event handlers and its mail channel.</summary>
    public static WolverineOptions AddNotifications(this WolverineOptions opts, SettingsReader settings)
    {
        var smtp = settings.Optional<Uri?>("SMTP_URL", null, v => SettingParsers.AbsoluteUrl(v, "smtp", "smtps"), secret: true);
        var from = settings.Optional("MAIL_FROM", new MailboxAddress("Modular", "no-reply@modular.local"), ParseMailbox);
        var mailDir = settings.Optional("MAIL_DIR", Path.GetFullPath(".data/mail"), Path.GetFullPath);
        var appBaseUrl = settings.Optional("APP_BASE_URL", new Uri("http://localhost:3000"), v => SettingParsers.AbsoluteUrl(v, "http", "https"));

        opts.AddModularPersistence(settings);
        opts.Discovery.IncludeAssembly(typeof(NotificationsModule).Assembly);
        opts.Services.ConfigureMarten(marten => marten.Schema.For<SentEmail>().DatabaseSchemaName(Schema));
        opts.Services.AddSingleton(new MailSettings(from, appBaseUrl));
        if (smtp is not null) opts.Services.AddSingleton<IMailSender>(new SmtpMailSender(smtp));
        else opts.Services.AddSingleton<IMailSender>(new MailDirectorySender(mailDir));
        return opts;
    }

    private static MailboxAddress ParseMailbox(string value) =>
        MailboxAddress.TryParse(value, out var mailbox) && mailbox.Address.Contains('@')
            ? mailbox
            : throw new FormatException("must be an e-mail address, optionally with a display name: Modular <no-reply@example.com>");
}

/// <param name="From"><c>MAIL_FROM</c>: the sender of every e-mail.</param>
/// <param name="AppBaseUrl"><c>APP_BASE_URL</c>: where the links in e-mails point (the web app, not this API).</param>
public sealed record MailSettings(MailboxAddress From, Uri AppBaseUrl)
{
    /// <summary><paramref name="path"/> under <see cref="AppBaseUrl"/>, keeping any path the base has.</summary>
    public string Link(string path) => AppBaseUrl.AbsoluteUri.TrimEnd('/') + "/" + path.TrimStart('/');
}
