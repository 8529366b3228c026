using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Accounts;

internal static class ListAccounts
{
    public const int MaxPageSize = 100;

    public static async Task<IResult> Handle(IMessageBus bus, CancellationToken ct, int page = 1, int pageSize = 20)
    {
        if (page < 1) return Problems.Invalid("page", "The page must be 1 or more.");
        if (pageSize is < 1 or > MaxPageSize) return Problems.Invalid("pageSize", $"The page size must be between 1 and {MaxPageSize}.");

        return TypedResults.Ok(await bus.InvokeAsync<UserPage>(new ListUsers(page, pageSize), ct));
    }
}
