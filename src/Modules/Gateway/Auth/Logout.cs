using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;

namespace Modular.Gateway.Auth;

public sealed record LogoutRequest(string? RefreshToken);

internal static class Logout
{
    /// <summary>Ends the session of the access token (and of the refresh token, if it names another of the user's sessions).</summary>
    public static async Task<IResult> Handle(
        LogoutRequest? request, ClaimsPrincipal principal, TokenIssuer tokens, TokenStore store, JwtSettings settings, TimeProvider clock)
    {
        var session = principal.Session();
        await store.EndSessionAsync(session.Family, session.TokenId, session.ExpiresAt - clock.GetUtcNow(), settings.RefreshLifetime);

        if (request?.RefreshToken is { Length: > 0 } refreshToken
            && await tokens.ReadRefreshTokenAsync(refreshToken) is { } other
            && other.UserId == session.UserId && other.Family != session.Family)
        {
            await store.EndSessionAsync(other.Family, null, TimeSpan.Zero, settings.RefreshLifetime);
        }
        return TypedResults.NoContent();
    }
}
