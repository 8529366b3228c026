using Marten;
using Microsoft.Extensions.DependencyInjection;
using Modular.Tests.Infrastructure;
using Modular.Users;
using Modular.Users.Contracts;

namespace Modular.Tests.Users;

/// <summary>SECURITY_EVENT_RETENTION (365 days by default): what the hourly purge removes and what it keeps.</summary>
[Collection(SingleProcessCollection.Name)]
public sealed class SecurityTrailRetentionTests(SingleProcessApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task the_purge_removes_entries_older_than_the_retention_and_keeps_the_rest()
    {
        var user = (await App.RegisterAsync("old.trail@example.com")).User;
        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        var now = DateTimeOffset.UtcNow;
        await using (var session = store.LightweightSession())
        {
            session.Record(user.Id, SecurityEventTypes.LoginFailed, now.AddDays(-366), null);
            session.Record(user.Id, SecurityEventTypes.LoginFailed, now.AddDays(-364), null);
            await session.SaveChangesAsync();
        }

        await app.Host.Services.GetRequiredService<SecurityTrailRetention>().PurgeAsync(CancellationToken.None);

        await using var query = store.QuerySession();
        var left = await query.Query<SecurityEvent>().Where(e => e.UserId == user.Id).OrderBy(e => e.OccurredAt).ToListAsync();
        left.Select(e => e.OccurredAt.Date).ShouldBe([now.AddDays(-364).Date, user.CreatedAt.Date]);
    }
}
