using Marten;
using Microsoft.Extensions.DependencyInjection;
using Modular.Tests.Infrastructure;
using Modular.Users;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;
using Wolverine;
using Wolverine.Tracking;

namespace Modular.Tests.Users;

/// <summary>VerifyCredentials' lockout count in PostgreSQL, driven through Wolverine in one process.</summary>
[Collection(SingleProcessCollection.Name)]
public sealed class LoginLockoutTests(SingleProcessApp app) : Infrastructure.Scenarios(app)
{
    private const string WrongPassword = "not the password at all";

    [Fact]
    public async Task wrong_passwords_at_the_same_moment_are_all_counted_and_lock_exactly_once()
    {
        var user = (await App.RegisterAsync("racer@example.com")).User;
        App.Mail.Clear();

        // Ten at once: without the lock on the count, concurrent attempts would read the same count and lose
        // each other's increments (fewer than five counted, no lockout, or two lockouts and two e-mails).
        var tracked = await app.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(60)).ExecuteAndWaitAsync((Func<IMessageContext, Task>)(async _ =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
            {
                using var scope = app.Host.Services.CreateScope();
                return await scope.ServiceProvider.GetRequiredService<IMessageBus>()
                    .InvokeAsync<UserResult>(new VerifyCredentials("racer@example.com", WrongPassword));
            }));
            results.ShouldAllBe(r => r.Failure == UserFailure.InvalidCredentials);
        }));

        tracked.FindEnvelopesWithMessageType<UserLockedOut>().Select(e => e.Message).OfType<UserLockedOut>().DistinctBy(e => e.EventId)
            .ShouldHaveSingleItem().UserId.ShouldBe(user.Id);
        var lockout = (await LoadLockoutAsync(user.Id)).ShouldNotBeNull();
        lockout.Lockouts.ShouldBe(1);
        lockout.ConsecutiveFailures.ShouldBe(0, "attempts while locked do not count towards the next lockout");
        await App.Mail.WaitUntilAsync(m => m.Count(e => e.Subject.Contains("blocked")) == 1);
        App.Mail.To("racer@example.com").Count.ShouldBe(1);
    }

    [Fact]
    public async Task the_right_password_is_refused_while_locked_and_the_next_lockout_lasts_twice_as_long()
    {
        var user = (await App.RegisterAsync("doubled@example.com")).User;
        await FailAsync("doubled@example.com", 5);
        (await VerifyAsync("doubled@example.com", Api.Password)).ShouldBe(UserResult.Failed(UserFailure.InvalidCredentials));

        // The first lockout is over (its end moved to the past) and the guesser is back.
        await EditLockoutAsync(user.Id, l => l.LockedUntil = DateTimeOffset.UtcNow.AddMinutes(-1));
        (await VerifyAsync("doubled@example.com", Api.Password)).Failure.ShouldBeNull();
        var started = DateTimeOffset.UtcNow;
        await FailAsync("doubled@example.com", 5);

        var lockout = (await LoadLockoutAsync(user.Id)).ShouldNotBeNull();
        lockout.Lockouts.ShouldBe(2);
        lockout.LockedUntil.ShouldNotBeNull().ShouldBeInRange(started.AddMinutes(30), DateTimeOffset.UtcNow.AddMinutes(30));
    }

    [Fact]
    public async Task unknown_addresses_leave_no_count_behind()
    {
        for (var i = 0; i < 6; i++)
            (await VerifyAsync("nobody@example.com", WrongPassword)).ShouldBe(UserResult.Failed(UserFailure.InvalidCredentials));

        await using var session = Store.QuerySession();
        (await session.Query<LoginLockout>().CountAsync()).ShouldBe(0);
    }

    private IDocumentStore Store => app.Host.Services.GetRequiredService<IDocumentStore>();

    private async Task FailAsync(string email, int times)
    {
        for (var i = 0; i < times; i++)
            (await VerifyAsync(email, WrongPassword)).ShouldBe(UserResult.Failed(UserFailure.InvalidCredentials));
    }

    private async Task<UserResult> VerifyAsync(string email, string password) =>
        (await app.Host.InvokeMessageAndWaitAsync<UserResult>(new VerifyCredentials(email, password), 30_000)).Item2.ShouldNotBeNull();

    private async Task<LoginLockout?> LoadLockoutAsync(Guid userId)
    {
        await using var session = Store.QuerySession();
        return await session.LoadAsync<LoginLockout>(userId);
    }

    private async Task EditLockoutAsync(Guid userId, Action<LoginLockout> edit)
    {
        await using var session = Store.LightweightSession();
        var lockout = (await session.LoadAsync<LoginLockout>(userId)).ShouldNotBeNull();
        edit(lockout);
        session.Store(lockout);
        await session.SaveChangesAsync();
    }
}
