using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Modular.Gateway.Tokens;

/// <summary>
/// After the JWT is validated, asks Redis whether it was revoked (logout, a revoked family, a newer
/// revocation mark). A revoked token leaves the request anonymous, so protected routes answer 401.
/// Redis unreachable: the request fails with 503, it never goes through unchecked.
/// </summary>
internal sealed class SessionRevocation(TokenStore store) : IMiddleware
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.User.Identity?.IsAuthenticated == true
            && (SessionClaims.From(context.User) is not { } session || !await store.IsAccessAllowedAsync(session)))
        {
            context.User = new ClaimsPrincipal(new ClaimsIdentity());
        }
        await next(context);
    }
}
