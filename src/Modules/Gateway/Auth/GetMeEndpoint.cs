using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Users;
using Modular.Gateway.Http;

namespace Modular.Gateway.Auth;

internal static class GetMeEndpoint
{
    public static async Task<IResult> Handle(HttpContext context, ClaimsPrincipal principal, UserProfiles profiles, CancellationToken ct) =>
        await profiles.ReadAsync(context, principal.Session().UserId, ct) is { } user
            ? UserProfiles.Ok(user)
            : Problems.AccountGone();
}
