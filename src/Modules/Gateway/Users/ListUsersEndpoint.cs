using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Users;

internal static class ListUsersEndpoint
{
    public static async Task<IResult> Handle(IMessageBus bus, CancellationToken ct, int page = 1, int pageSize = 20)
    {
        if (Problems.InvalidPage(page, pageSize) is { } invalid) return invalid;

        return TypedResults.Ok(UserPage.From(await bus.InvokeAsync<Modular.Users.Contracts.UserPage>(new ListUsers(page, pageSize), ct)));
    }
}
