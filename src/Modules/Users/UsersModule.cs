using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Modular.BuildingBlocks;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Persistence;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Users;

public static class UsersModule
{
    public const string Schema = "users";

    /// <summary>Users to the host: it answers its requests (read through its inbox) and publishes its events, one
    /// user's in order.</summary>
    public static readonly ModuleDefinition Definition = new("users", "user-service")
    {
        Add = (opts, settings) => opts.AddUsers(settings),
        Contracts = typeof(UsersTopics).Assembly,
        RequestsTopic = UsersTopics.Requests,
        EventsTopic = UsersTopics.Events,
        EventsKeyedBy = UsersTopics.EventsKeyedBy,
        Reads = [new(UsersTopics.Requests, "user-service")],
    };

    /// <summary>Runs the Users module in this process: its handlers, its Marten schema, its settings.</summary>
    public static WolverineOptions AddUsers(this WolverineOptions opts, SettingsReader settings)
    {
        var adminEmails = settings.Optional("ADMIN_EMAILS", new HashSet<string>(), ParseEmailList);
        var lockout = new LockoutPolicy(
            settings.Optional("LOGIN_LOCKOUT_THRESHOLD", LockoutPolicy.Default.Threshold, SettingParsers.PositiveInt),
            settings.Optional("LOGIN_LOCKOUT_DURATION", LockoutPolicy.Default.Duration, SettingParsers.Duration));
        var retention = settings.Optional("SECURITY_EVENT_RETENTION", TimeSpan.FromDays(365), SettingParsers.Duration);

        opts.AddModularPersistence(settings);
        opts.Discovery.IncludeAssembly(typeof(UsersModule).Assembly);
        opts.Services.ConfigureMarten(marten =>
        {
            marten.Schema.For<User>().DatabaseSchemaName(Schema).UniqueIndex(u => u.Email);
            // The version makes each token single-use even when two requests with it race (ResetPassword, VerifyEmail).
            marten.Schema.For<PasswordResetToken>().DatabaseSchemaName(Schema)
                .UseOptimisticConcurrency(true)
                .Index(t => t.UserId);
            marten.Schema.For<EmailVerificationToken>().DatabaseSchemaName(Schema)
                .UseOptimisticConcurrency(true)
                .Index(t => t.UserId);
            marten.Schema.For<LoginLockout>().DatabaseSchemaName(Schema);
            marten.Schema.For<RememberedResult>().DatabaseSchemaName(Schema).Index(r => r.ExpiresAt);
            marten.Schema.For<SecurityEvent>().DatabaseSchemaName(Schema).Index(e => e.UserId).Index(e => e.OccurredAt);
        });
        opts.Services.AddSingleton(new UsersSettings(adminEmails, lockout, retention));
        opts.Services.AddSingleton<Passwords>();
        opts.Services.AddSingleton<SecurityTrailRetention>();
        opts.Services.AddHostedService(sp => sp.GetRequiredService<SecurityTrailRetention>());
        opts.Services.TryAddSingleton(TimeProvider.System);
        return opts;
    }

    private static HashSet<string> ParseEmailList(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => e.Contains('@') ? Emails.Normalize(e) : throw new FormatException($"must be a comma-separated list of e-mail addresses; '{e}' is not one"))
            .ToHashSet();
}

/// <summary>Settings of the Users module.</summary>
/// <param name="AdminEmails">
/// <c>ADMIN_EMAILS</c>: accounts with these addresses get the admin role once the address is verified. Whoever
/// registers such an address first is a plain user until then: the role goes to the owner of the mailbox.
/// </param>
/// <param name="Lockout"><c>LOGIN_LOCKOUT_THRESHOLD</c> and <c>LOGIN_LOCKOUT_DURATION</c>: when wrong passwords lock password login.</param>
/// <param name="SecurityEventRetention"><c>SECURITY_EVENT_RETENTION</c>: how long the security trail keeps an entry.</param>
public sealed record UsersSettings(IReadOnlySet<string> AdminEmails, LockoutPolicy Lockout, TimeSpan SecurityEventRetention)
{
    public List<string> RolesFor(string email, bool verified) =>
        verified && AdminEmails.Contains(email) ? [Roles.User, Roles.Admin] : [Roles.User];
}
