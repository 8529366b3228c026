using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Accounts;

namespace Modular.Gateway.Tokens;

/// <summary>
/// After the JWT is validated, asks Redis whether it was revoked (logout, a revoked family, a newer
/// revocation mark). A revoked token leaves the request anonymous, so protected routes answer 401.
/// Redis unreachable: the request fails with 503, it never goes through unchecked. For endpoints that
/// answer with the caller's own account, the same round trip reads it from the read model (<see cref="UserProfiles"/>).
/// </summary>
internal sealed class SessionRevocation(TokenStore store) : IMiddleware
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.User.Identity?.IsAuthenticated == true)
        {
            var withProfile = context.GetEndpoint()?.Metadata.GetMetadata<UserProfiles.ReadsOwnProfile>() is not null;
            var (allowed, profile) = SessionClaims.From(context.User) is { } session
                ? await store.CheckAccessAsync(session, withProfile)
                : (false, null);
            if (!allowed) context.User = new ClaimsPrincipal(new ClaimsIdentity());
            else if (withProfile) context.Features.Set(new UserProfiles.CachedProfile(profile));
        }
        await next(context);
    }
}
