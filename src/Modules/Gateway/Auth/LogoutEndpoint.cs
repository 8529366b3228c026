using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

public sealed record LogoutRequest(string? RefreshToken);

internal static class LogoutEndpoint
{
    /// <summary>
    /// Ends the session of the access token (and of the refresh token, if it names another of the user's
    /// sessions). The body is optional, so it is read here rather than bound: a bodiless POST is fine.
    /// </summary>
    public static async Task<IResult> Handle(
        HttpRequest http, ClaimsPrincipal principal, TokenIssuer tokens, TokenStore store, JwtSettings settings, TimeProvider clock,
        IMessageBus bus)
    {
        LogoutRequest? request;
        try
        {
            request = http.HasJsonContentType() ? await http.ReadFromJsonAsync<LogoutRequest>(http.HttpContext.RequestAborted) : null;
        }
        catch (JsonException)
        {
            return Problems.Invalid("body", "The request body is not valid JSON for this endpoint.");
        }

        var session = principal.Session();
        await store.EndSessionAsync(session.UserId, session.Family, session.TokenId, session.ExpiresAt - clock.GetUtcNow(), settings.RefreshLifetime);
        await SecurityEvents.RecordAsync(bus, session.UserId, SecurityEventTypes.SessionEnded, RequestClient.From(http.HttpContext, session.Family));

        if (request?.RefreshToken is { Length: > 0 } refreshToken
            && await tokens.ReadRefreshTokenAsync(refreshToken) is { } other
            && other.UserId == session.UserId && other.Family != session.Family)
        {
            await store.EndSessionAsync(session.UserId, other.Family, null, TimeSpan.Zero, settings.RefreshLifetime);
            await SecurityEvents.RecordAsync(bus, session.UserId, SecurityEventTypes.SessionEnded, RequestClient.From(http.HttpContext, other.Family));
        }
        return TypedResults.NoContent();
    }
}
