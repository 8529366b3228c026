using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

internal static class Me
{
    public static async Task<IResult> Handle(ClaimsPrincipal principal, IMessageBus bus, CancellationToken ct)
    {
        var result = await bus.InvokeAsync<UserResult>(new GetUser(principal.UserId()), ct);
        // A valid token of an account that no longer exists is no session at all.
        return result.User is { } user
            ? TypedResults.Ok(user)
            : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "The account of this token no longer exists.");
    }

    public static Guid UserId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub)!);
}
