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

    [Fact]
    public async Task entries_a_microsecond_apart_are_listed_in_the_order_they_happened()
    {
        var user = (await App.RegisterAsync("microsecond.trail@example.com")).User;
        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        // Half a microsecond past an odd microsecond: PostgreSQL rounds half to even, this instant and the next one to the same value.
        // (Tomorrow: newer than the registration, so these two are the first page.)
        var at = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1), TimeSpan.Zero).AddTicks(12_345_675);
        await using (var session = store.LightweightSession())
        {
            // Ids that would list them the wrong way round if the times were equal.
            session.Record(user.Id, SecurityEventTypes.LoginFailed, at, null, Guid.Parse("ffffffff-ffff-7fff-bfff-ffffffffffff"));
            session.Record(user.Id, SecurityEventTypes.LockedOut, at.AddMicroseconds(1), null, Guid.Parse("00000000-0000-7000-8000-000000000001"));
            await session.SaveChangesAsync();
        }

        await using var query = store.QuerySession();
        var page = await ListSecurityEventsHandler.Handle(new ListSecurityEvents(user.Id, 1, 2), query, CancellationToken.None);
        page.Items.Select(e => e.Type).ShouldBe([SecurityEventTypes.LockedOut, SecurityEventTypes.LoginFailed]);
    }
}
