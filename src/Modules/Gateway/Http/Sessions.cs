using System.Security.Claims;
using Modular.Gateway.Tokens;

namespace Modular.Gateway.Http;

internal static class Sessions
{
    /// <summary>The session of an authenticated request (routes that require authorization always have one).</summary>
    public static SessionClaims Session(this ClaimsPrincipal principal) =>
        SessionClaims.From(principal) ?? throw new InvalidOperationException("an authenticated request without session claims");
}
