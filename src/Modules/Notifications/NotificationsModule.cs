using Marten;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using Modular.Notifications.Contracts;
using Modular.Users.Contracts;
using Modular.BuildingBlocks.Persistence;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime;

namespace Modular.Notifications;

public static class NotificationsModule
{
    public const string Schema = "notifications";

    /// <summary>Notifications to the host: it reads the events of Users (to send their e-mails) and its own requests,
    /// both inline: its delivery log, committed with the handler, is what makes a redelivered message send nothing
    /// twice, so it needs no inbox, whose unbounded intake once OOM-killed a 128 MiB service behind a backlog (ADR 19).</summary>
    public static readonly ModuleDefinition Definition = new("notifications", "notification-service")
    {
        Add = (opts, settings) => opts.AddNotifications(settings),
        Contracts = typeof(NotificationsTopics).Assembly,
        RequestsTopic = NotificationsTopics.Requests,
        Reads =
        [
            new(UsersTopics.Events, "notification-service", Inline: true),
            new(NotificationsTopics.Requests, "notification-service.requests", Inline: true),
        ],
    };

    /// <summary>Runs the Notifications module in this process: its event handlers and its mail channel.</summary>
    public static WolverineOptions AddNotifications(this WolverineOptions opts, SettingsReader settings)
    {
        var smtp = settings.Optional<Uri?>("SMTP_URL", null, v =>
        {
            var url = SettingParsers.AbsoluteUrl(v, "smtp", "smtps");
            SmtpMailSender.TlsParameter(url); // a misspelt ?tls= stops start-up rather than sending in clear
            return url;
        }, secret: true);
        var from = settings.Optional("MAIL_FROM", new MailboxAddress("Modular", "no-reply@modular.local"), ParseMailbox);
        var appBaseUrl = settings.Optional("APP_BASE_URL", new Uri("http://localhost:3000"), v => SettingParsers.AbsoluteUrl(v, "http", "https"));
        var rate = settings.Optional("MAIL_RATE_PER_SECOND", 10, SettingParsers.PositiveInt);
        var burst = settings.Optional("MAIL_BURST", rate, SettingParsers.PositiveInt);
        var retries = settings.Optional("MAIL_RETRY_SCHEDULE", DefaultRetrySchedule, ParseSchedule);

        opts.AddModularPersistence(settings);
        opts.Discovery.IncludeAssembly(typeof(NotificationsModule).Assembly);
        opts.Services.ConfigureMarten(marten => marten.Schema.For<SentEmail>().DatabaseSchemaName(Schema).Index(e => e.UserId));
        opts.Services.AddSingleton(new MailSettings(from, appBaseUrl));
        // MAIL_DIR is read only without SMTP_URL, so a deployment that sends through SMTP does not list it.
        IMailSender channel = smtp is not null
            ? new SmtpMailSender(smtp)
            : new MailDirectorySender(settings.Optional("MAIL_DIR", Path.GetFullPath(".data/mail"), Path.GetFullPath));
        opts.Services.AddSingleton<IMailSender>(new ThrottledMailSender(channel, rate, burst));

        // Transient failures come back later, spread by jitter so a recovering provider is not hit all at
        // once; permanent ones and exhausted retries go to the dead-letter queue (`storage replay` resends them).
        opts.Policies.OnException<TransientMailFailure>()
            .ScheduleRetry(retries).WithBoundedJitter(0.2).And(Count(MailMetrics.Retried), "count the retry")
            .Then.MoveToErrorQueue().And(Count(MailMetrics.DeadLettered), "count the dead letter");
        opts.Policies.OnException<PermanentMailFailure>()
            .MoveToErrorQueue().And(Count(MailMetrics.DeadLettered), "count the dead letter");
        return opts;
    }

    /// <summary>About 1 s, 5 s, 30 s, 2 min, 10 min: each wait roughly five times the last.</summary>
    private static readonly TimeSpan[] DefaultRetrySchedule =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10)];

    private static TimeSpan[] ParseSchedule(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(SettingParsers.Duration).ToArray()
            is { Length: > 0 } schedule ? schedule : throw new FormatException("must be a comma-separated list of durations: 1s,5s,30s,2m,10m");

    private static Func<IWolverineRuntime, IEnvelopeLifecycle, Exception, ValueTask> Count(Prometheus.Counter counter) =>
        (_, _, e) =>
        {
            counter.WithLabels(e is MailFailure failure ? failure.Template : "unknown").Inc();
            return ValueTask.CompletedTask;
        };

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

    /// <summary>The page of the web app that posts <paramref name="token"/> to <c>/api/v1/auth/verify-email</c>.</summary>
    public string VerificationLink(string token) => Link($"verify-email?token={Uri.EscapeDataString(token)}");

    /// <summary>The page of the web app that posts <paramref name="token"/> with a new password to <c>/api/v1/auth/reset-password</c>.</summary>
    public string ResetLink(string token) => Link($"reset-password?token={Uri.EscapeDataString(token)}");

    /// <summary>The page of the web app that asks for a reset link (<c>/api/v1/auth/forgot-password</c>).</summary>
    public string ForgotPasswordLink => Link("forgot-password");
}
