using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Auth;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Notifications.Contracts;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Users;

/// <summary>Everything the service holds about the caller, in one document (GDPR art. 15 and 20).</summary>
public sealed record AccountExport(DateTimeOffset ExportedAt, User User, IReadOnlyList<SessionView> Sessions,
    IReadOnlyList<SecurityEvent> SecurityEvents, IReadOnlyList<EmailSent> Emails);

/// <summary>
/// <c>GET /api/v1/users/me/export</c>: the account from Users, the sessions from the token store, the security trail
/// from Users and the e-mails from Notifications' delivery log, each asked of the module that owns it.
/// </summary>
internal static class ExportMeEndpoint
{
    public static async Task<IResult> Handle(HttpContext http, ClaimsPrincipal principal, IMessageBus bus, TokenStore store, TimeProvider clock,
        CancellationToken ct)
    {
        var caller = principal.Session();
        if ((await bus.InvokeAsync<UserResult>(new GetUser(caller.UserId), ct)).User is not { } user) return Problems.AccountGone();

        var trail = new List<SecurityEvent>();
        for (var page = 1; ; page++)
        {
            var events = await bus.InvokeAsync<Modular.Users.Contracts.SecurityEventPage>(
                new Modular.Users.Contracts.ListSecurityEvents(user.Id, page, Paging.MaxPageSize), ct);
            trail.AddRange(events.Items.Select(SecurityEvent.From));
            if (events.Items.Count < events.PageSize || trail.Count >= events.Total) break;
        }
        var emails = await bus.InvokeAsync<EmailsSent>(new ListEmailsSent(user.Id), ct);

        http.Response.Headers.ContentDisposition = "attachment; filename=\"modular-account.json\"";
        return TypedResults.Ok(new AccountExport(clock.GetUtcNow(), User.From(user), await SessionView.ListAsync(store, caller), trail,
            [.. emails.Items.Select(EmailSent.From)]));
    }
}
