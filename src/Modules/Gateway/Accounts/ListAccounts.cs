using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Accounts;

internal static class ListAccounts
{
    public static async Task<IResult> Handle(UsersClient users, CancellationToken ct, int page = 1, int pageSize = 20)
    {
        if (Problems.InvalidPage(page, pageSize) is { } invalid) return invalid;

        return TypedResults.Ok(await users.InvokeAsync<UserPage>(new ListUsers(page, pageSize), ct));
    }
}
