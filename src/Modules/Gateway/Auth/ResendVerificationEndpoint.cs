using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

internal static class ResendVerificationEndpoint
{
    /// <summary>
    /// 202 whatever Users decides (already verified, a link sent in the last five minutes, or a new one): the request
    /// is only sent, and the answer is the same either way.
    /// </summary>
    public static async Task<IResult> Handle(ClaimsPrincipal principal, IMessageBus bus)
    {
        await bus.SendAsync(new ResendVerification(principal.Session().UserId));
        return TypedResults.Accepted((string?)null);
    }
}
