using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

/// <summary>One of the caller's live sessions (a login and every refresh after it); <c>current</c> is the one of this request.</summary>
/// <param name="LastUsedAt">The login or the latest refresh: access tokens are checked on every request but not recorded, to keep reads free of writes.</param>
/// <param name="ExpiresAt">When the session ends unless refreshed before (never after its <c>SESSION_MAX_LIFETIME</c>).</param>
public sealed record SessionView(string Id, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt,
    string? UserAgent, string? IpPrefix, bool Current)
{
    /// <summary>The caller's live sessions, the most recently used first.</summary>
    internal static async Task<List<SessionView>> ListAsync(TokenStore store, SessionClaims caller) =>
        (await store.ListSessionsAsync(caller.UserId)).OrderByDescending(s => s.LastUsedAt).ThenByDescending(s => s.CreatedAt)
            .Select(s => new SessionView(s.Id, s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.UserAgent, s.IpPrefix, s.Id == caller.Family))
            .ToList();
}

/// <summary><c>GET /api/v1/auth/sessions</c>: the caller's live sessions, the most recently used first.</summary>
internal static class ListSessionsEndpoint
{
    public static async Task<IResult> Handle(ClaimsPrincipal principal, TokenStore store) =>
        TypedResults.Ok(await SessionView.ListAsync(store, principal.Session()));
}

/// <summary>
/// <c>DELETE /api/v1/auth/sessions/{id}</c>: ends one of the caller's sessions; its refresh token dies and its access
/// tokens are refused on every replica at once. Another user's session is 404, like one that does not exist.
/// </summary>
internal static class EndSessionEndpoint
{
    public static async Task<IResult> Handle(string id, HttpContext http, ClaimsPrincipal principal, TokenStore store, JwtSettings settings,
        TimeProvider clock, IMessageBus bus)
    {
        var caller = principal.Session();
        if (!(await store.ListSessionsAsync(caller.UserId)).Any(s => s.Id == id))
            return Problems.NotFound("You have no live session with this id.");

        var own = id == caller.Family;
        await store.EndSessionAsync(caller.UserId, id, own ? caller.TokenId : null, own ? caller.ExpiresAt - clock.GetUtcNow() : TimeSpan.Zero,
            settings.RefreshLifetime);
        await SecurityEvents.RecordAsync(bus, caller.UserId, SecurityEventTypes.SessionEnded, RequestClient.From(http, id));
        return TypedResults.NoContent();
    }
}

/// <summary><c>DELETE /api/v1/auth/sessions</c>: ends every session of the caller but the current one ("sign out everywhere else").</summary>
internal static class EndOtherSessionsEndpoint
{
    public static async Task<IResult> Handle(HttpContext http, ClaimsPrincipal principal, TokenStore store, JwtSettings settings, IMessageBus bus)
    {
        var caller = principal.Session();
        var ending = (await store.ListSessionsAsync(caller.UserId)).Where(s => s.Id != caller.Family).ToList();
        await store.RevokeUserSessionsAsync(caller.UserId, keepFamily: caller.Family, settings.RefreshLifetime);
        foreach (var session in ending)
            await SecurityEvents.RecordAsync(bus, caller.UserId, SecurityEventTypes.SessionEnded, RequestClient.From(http, session.Id));
        return TypedResults.NoContent();
    }
}
