using Marten;
using Modular.Users.Contracts;

namespace Modular.Users;

public static class ListUsersHandler
{
    public static async Task<UserPage> Handle(ListUsers query, IQuerySession session, CancellationToken ct)
    {
        // The gateway validates both; a request from elsewhere must still not read the whole table.
        var page = Math.Max(1, query.Page);
        var pageSize = Math.Clamp(query.PageSize, 1, Paging.MaxPageSize);

        var total = await session.Query<User>().CountAsync(ct);
        var skip = (long)(page - 1) * pageSize;
        if (skip >= total) return new UserPage([], page, pageSize, total);

        var users = await session.Query<User>()
            .OrderBy(u => u.CreatedAt).ThenBy(u => u.Id)
            .Skip((int)skip).Take(pageSize)
            .ToListAsync(ct);
        return new UserPage(users.Select(u => u.ToDetails()).ToArray(), page, pageSize, total);
    }
}
