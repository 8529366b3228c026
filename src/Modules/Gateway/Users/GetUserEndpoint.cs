using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Users;

internal static class GetUserEndpoint
{
    /// <param name="id">Read as text, so that a malformed id is a 400 that says so rather than an unmatched route.</param>
    public static async Task<IResult> Handle(string id, HttpContext context, ClaimsPrincipal principal, UserProfiles profiles, IMessageBus bus,
        CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var userId)) return Problems.Invalid("id", "The id is not a valid user id.");
        if (userId == principal.Session().UserId)
            return await profiles.ReadAsync(context, userId, ct) is { } self ? UserProfiles.Ok(self) : Problems.NotFound("There is no user with this id.");
        if (!principal.IsInRole(Roles.Admin)) return Problems.Forbidden("Only administrators may read other users' accounts.");

        var result = await bus.InvokeAsync<UserResult>(new GetUser(userId), ct);
        return result.User is { } user ? TypedResults.Ok(User.From(user)) : Problems.NotFound("There is no user with this id.");
    }
}
