using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Accounts;

internal static class DeleteMe
{
    public static async Task<IResult> Handle(ClaimsPrincipal principal, IMessageBus bus, UserProfiles profiles, CancellationToken ct)
    {
        var userId = principal.Session().UserId;
        var result = await bus.InvokeAsync<UserResult>(new DeleteUser(userId), ct);
        if (result.User is null) return Problems.AccountGone();

        await profiles.DeletedAsync(userId);
        return TypedResults.NoContent();
    }
}
