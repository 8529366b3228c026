using Marten;
using Microsoft.Extensions.DependencyInjection;
using Modular.Tests.Infrastructure;
using Modular.Users;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;
using Npgsql;
using Wolverine.Tracking;

namespace Modular.Tests.Users;

/// <summary>
/// Users' half of <c>Idempotency-Key</c> (docs/adr/0018), with the real PostgreSQL: a request repeated with its key gets the
/// answer of the change made the first time, and the change is not made again (a gateway that answered 504 meanwhile).
/// </summary>
[Collection(SingleProcessCollection.Name)]
public sealed class RememberedResultsTests(SingleProcessApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task register_repeated_with_its_key_makes_one_account_and_answers_the_first_result()
    {
        var command = new RegisterUser("ann@example.com", Api.Password, "Ann", IdempotencyKey: "key-of-ann");

        var (firstTracked, first) = await InvokeAsync(command);
        var (againTracked, again) = await InvokeAsync(command with { });

        Json(again).ShouldBe(Json(first));
        first.User.ShouldNotBeNull();
        firstTracked.FindSingleTrackedMessageOfType<UserRegistered>().UserId.ShouldBe(first.User.Id);
        againTracked.FindEnvelopesWithMessageType<UserRegistered>().ShouldBeEmpty();
        (await CountAsync("users.mt_doc_user")).ShouldBe(1);
        (await CountAsync("users.mt_doc_securityevent")).ShouldBe(1);
    }

    [Fact]
    public async Task another_key_or_none_decides_again()
    {
        await InvokeAsync(new RegisterUser("ann@example.com", Api.Password, "Ann", IdempotencyKey: "first"));

        (await InvokeAsync(new RegisterUser("ann@example.com", Api.Password, "Ann", IdempotencyKey: "second"))).Result.Failure.ShouldBe(UserFailure.EmailTaken);
        (await InvokeAsync(new RegisterUser("ann@example.com", Api.Password, "Ann"))).Result.Failure.ShouldBe(UserFailure.EmailTaken);
    }

    [Fact]
    public async Task a_failure_is_not_remembered()
    {
        var user = (await App.RegisterAsync("ann@example.com")).User;
        App.Mail.Clear();
        var wrong = new ChangePassword(user.Id, "not the password", "a brand new passphrase", IdempotencyKey: "k");

        (await InvokeAsync(wrong)).Result.Failure.ShouldBe(UserFailure.InvalidCredentials);

        (await CountAsync("users.mt_doc_rememberedresult")).ShouldBe(0);
    }

    [Fact]
    public async Task change_password_repeated_with_its_key_changes_it_once_and_succeeds_again()
    {
        var user = (await App.RegisterAsync("ann@example.com")).User;
        var command = new ChangePassword(user.Id, Api.Password, "a brand new passphrase", IdempotencyKey: "change-1");

        var (firstTracked, first) = await InvokeAsync(command);
        // Run again, the current password would now be wrong: the remembered answer is the success.
        var (againTracked, again) = await InvokeAsync(command);

        first.Failure.ShouldBeNull();
        Json(again).ShouldBe(Json(first));
        firstTracked.FindSingleTrackedMessageOfType<UserPasswordChanged>().UserId.ShouldBe(user.Id);
        againTracked.FindEnvelopesWithMessageType<UserPasswordChanged>().ShouldBeEmpty();
    }

    [Fact]
    public async Task delete_repeated_with_its_key_succeeds_again_and_remembers_nothing_that_names_the_account()
    {
        var user = (await App.RegisterAsync("ann@example.com", "Ann")).User;
        var command = new DeleteUser(user.Id, Api.Password, IdempotencyKey: "delete-1");

        (await InvokeAsync(command)).Result.User!.Email.ShouldBe("ann@example.com");
        var (againTracked, again) = await InvokeAsync(command);

        again.User.ShouldNotBeNull().Id.ShouldBe(user.Id);
        againTracked.FindEnvelopesWithMessageType<UserDeleted>().ShouldBeEmpty();
        await using var connection = await TestDatabase.OpenAsync(App.DatabaseUrl);
        await using var rows = new NpgsqlCommand("select data::text from users.mt_doc_rememberedresult", connection);
        var remembered = (string)(await rows.ExecuteScalarAsync())!;
        remembered.ShouldNotContain("ann@example.com");
        remembered.ShouldNotContain("\"Ann\"");
    }

    [Fact]
    public async Task the_hourly_purge_removes_results_older_than_a_day()
    {
        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        var kept = UserResult.Failed(UserFailure.NotFound);
        await using (var session = store.LightweightSession())
        {
            session.Store(new RememberedResult { Id = "old", Result = kept, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
            session.Store(new RememberedResult { Id = "fresh", Result = kept, ExpiresAt = DateTimeOffset.UtcNow.AddHours(23) });
            await session.SaveChangesAsync();
        }

        await app.Host.Services.GetRequiredService<SecurityTrailRetention>().PurgeAsync(CancellationToken.None);

        await using var query = store.QuerySession();
        (await query.Query<RememberedResult>().Select(r => r.Id).ToListAsync()).ShouldBe(["fresh"]);
    }

    private async Task<(ITrackedSession Tracked, UserResult Result)> InvokeAsync(object request)
    {
        var (tracked, result) = await app.Host.InvokeMessageAndWaitAsync<UserResult>(request, 30_000);
        return (tracked, result.ShouldNotBeNull());
    }

    // Records compare their lists by reference; the remembered result is read back from PostgreSQL.
    private static string Json(UserResult result) => System.Text.Json.JsonSerializer.Serialize(result);

    private async Task<long> CountAsync(string table)
    {
        await using var connection = await TestDatabase.OpenAsync(App.DatabaseUrl);
        await using var count = new NpgsqlCommand($"select count(*) from {table}", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
