using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Users;

/// <summary>
/// <c>GET /api/v1/users/me/security-events</c> and, for admins, <c>GET /api/v1/users/{id}/security-events</c>:
/// an account's security trail, newest first, paged like <c>GET /users</c>.
/// </summary>
internal static class ListSecurityEventsEndpoint
{
    public static Task<IResult> Mine(ClaimsPrincipal principal, IMessageBus bus, CancellationToken ct, int page = 1, int pageSize = 20) =>
        PageAsync(principal.Session().UserId, bus, page, pageSize, ct);

    public static async Task<IResult> OfUser(string id, IMessageBus bus, CancellationToken ct, int page = 1, int pageSize = 20) =>
        Guid.TryParse(id, out var userId)
            ? await PageAsync(userId, bus, page, pageSize, ct)
            : Problems.Invalid("id", "The id is not a valid user id.");

    private static async Task<IResult> PageAsync(Guid userId, IMessageBus bus, int page, int pageSize, CancellationToken ct)
    {
        if (Problems.InvalidPage(page, pageSize) is { } invalid) return invalid;

        var result = await bus.InvokeAsync<Modular.Users.Contracts.SecurityEventPage>(new Modular.Users.Contracts.ListSecurityEvents(userId, page, pageSize), ct);
        return result.Found ? TypedResults.Ok(SecurityEventPage.From(result)) : Problems.NotFound("There is no user with this id.");
    }
}
