using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

internal static class Me
{
    public static async Task<IResult> Handle(ClaimsPrincipal principal, IMessageBus bus, CancellationToken ct)
    {
        var result = await bus.InvokeAsync<UserResult>(new GetUser(principal.Session().UserId), ct);
        return result.User is { } user ? TypedResults.Ok(user) : Problems.AccountGone();
    }
}
