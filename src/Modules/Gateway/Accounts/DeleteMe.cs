using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Accounts;

internal static class DeleteMe
{
    public static async Task<IResult> Handle(ClaimsPrincipal principal, IMessageBus bus, TokenStore store, JwtSettings settings, CancellationToken ct)
    {
        var userId = principal.Session().UserId;
        var result = await bus.InvokeAsync<UserResult>(new DeleteUser(userId), ct);
        if (result.User is null) return Problems.AccountGone();

        await store.RevokeUserSessionsAsync(userId, keepFamily: null, settings.RefreshLifetime);
        return TypedResults.NoContent();
    }
}
