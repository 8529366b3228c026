using Alba;
using Confluent.Kafka;
using Modular.BuildingBlocks.Messaging;
using Modular.BuildingBlocks.Persistence;
using Modular.Gateway.Tokens;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts;
using Npgsql;

namespace Modular.Tests.Scenarios;

/// <summary>What only the split topology has: replicas, a network between modules, processes that die.</summary>
[Collection(SplitCollection.Name)]
public sealed class SplitModeTests(SplitApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task two_hundred_concurrent_requests_over_both_gateways_each_get_their_own_answer()
    {
        var users = new List<TokenPair>();
        for (var i = 0; i < 10; i++) users.Add(await App.RegisterAsync($"user{i}@example.com", $"User {i}", App.Gateways[i % 2]));

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var user = users[i % users.Count];
            var result = await App.Gateways[i % 2].GetAsync("/api/v1/auth/me", 200, user.AccessToken);
            return (Asked: user.User, Answer: await result.ReadAsJsonAsync<UserDetails>());
        }));

        foreach (var (asked, answer) in answers)
        {
            answer.ShouldNotBeNull().Id.ShouldBe(asked.Id);
            answer.Email.ShouldBe(asked.Email);
        }
    }

    [Fact]
    public async Task user_events_on_kafka_are_keyed_by_user_id_so_one_users_events_share_a_partition()
    {
        var pair = await App.RegisterAsync("keyed@example.com");

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = TestEnvironment.KafkaBrokers,
            GroupId = $"test-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(UsersTopics.Events);
        // Bodies are encrypted (docs/adr/0011): the event is found by its type header and its key.
        bool IsRegistered(ConsumeResult<string, string>? next) => next is not null && next.Message.Key == pair.User.Id.ToString()
            && next.Message.Headers.Any(h => System.Text.Encoding.UTF8.GetString(h.GetValueBytes()).Contains("UserRegistered"));
        var registered = await Eventually.ReadAsync(() => Task.FromResult(consumer.Consume(TimeSpan.FromSeconds(1))), IsRegistered,
            TimeSpan.FromSeconds(30), TimeSpan.Zero);
        IsRegistered(registered).ShouldBeTrue("no UserRegistered event keyed by the user's id was found on users.events");
        registered!.Message.Value.ShouldNotContain(pair.User.Email);
    }

    [Fact]
    public async Task a_request_without_a_reply_in_time_answers_504_and_is_not_acted_on_afterwards()
    {
        await app.StopUserServiceAsync();
        try
        {
            var started = DateTime.UtcNow;
            var result = await Gateway.PostJsonAsync("/api/v1/auth/register", new { email = "late@example.com", password = Api.Password }, 504);
            result.ShouldBeProblem(504);
            (DateTime.UtcNow - started).ShouldBeLessThan(TimeSpan.FromSeconds(15));
        }
        finally
        {
            await app.StartUserServiceAsync();
        }

        // The restarted user-service drops the expired request instead of registering the account behind the client's back.
        await Gateway.PostJsonAsync("/api/v1/auth/login", new { email = "late@example.com", password = Api.Password }, 401);
        await App.RegisterAsync("late@example.com");
    }

    [Fact]
    public async Task when_users_falls_behind_later_requests_answer_503_with_retry_after_at_once_and_none_is_executed_afterwards()
    {
        var user = await App.RegisterAsync("patient@example.com", "Patient");
        var gateway = App.Gateways[0];
        await app.StopUserServiceAsync();
        List<(int Status, string? RetryAfter, string Body, TimeSpan Took)> answers;
        try
        {
            // A name change every 500 ms for 8 s: the first ones wait for Users (REQUEST_TIMEOUT 5 s, then 504); once the
            // oldest has waited three quarters of that with no answer, the next ones are refused at once.
            answers = [.. await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500 * i)); // the pace of the clients, not a wait for the system
                var started = DateTime.UtcNow;
                var result = await gateway.Scenario(s =>
                {
                    s.Patch.Json(new { name = $"Renamed {i}" }).ToUrl("/api/v1/users/me");
                    s.WithRequestHeader("Authorization", $"Bearer {user.AccessToken}");
                    s.IgnoreStatusCode();
                });
                return (result.Context.Response.StatusCode, (string?)result.Context.Response.Headers.RetryAfter.ToString(),
                    result.ReadAsText(), DateTime.UtcNow - started);
            }))];
        }
        finally
        {
            await app.StartUserServiceAsync();
        }

        answers.Select(a => a.Status).Distinct().Order().ToArray().ShouldBe([503, 504], string.Join(", ", answers.Select(a => a.Status)));
        answers[0].Status.ShouldBe(504);
        foreach (var refused in answers.Where(a => a.Status == 503))
        {
            refused.RetryAfter.ShouldBe("4");
            refused.Body.ShouldContain("Users is behind");
            refused.Took.ShouldBeLessThan(TimeSpan.FromSeconds(2), "a refusal does not wait for Users");
        }
        // Nothing was renamed: the refused requests never left the gateway, the timed-out ones expired before Users ran them.
        var me = await (await gateway.GetAsync("/api/v1/auth/me", 200, user.AccessToken)).ReadAsJsonAsync<UserDetails>();
        me!.Name.ShouldBe("Patient");
    }

    [Fact]
    public async Task with_two_notification_services_one_users_emails_go_out_in_the_order_of_their_events()
    {
        // Eight users at once, each through four events as fast as the API allows: with two consumers in the group, a
        // user's events stay in order because they share a partition (keyed by user id), which one consumer reads.
        var emails = Enumerable.Range(0, 8).Select(i => $"ordered{i}@example.com").ToArray();
        await Task.WhenAll(emails.Select(async (email, i) =>
        {
            var gateway = App.Gateways[i % 2];
            var session = (await (await gateway.PostJsonAsync("/api/v1/auth/register", new { email, password = Api.Password }, 201))
                .ReadAsJsonAsync<TokenPair>())!;
            await gateway.SendAsync(HttpMethod.Post, "/api/v1/auth/change-password", session.AccessToken,
                new { currentPassword = Api.Password, newPassword = "a brand new passphrase" }, 204);
            await gateway.PostJsonAsync("/api/v1/auth/forgot-password", new { email }, 202);
            // forgot-password is never awaited (its 202 says nothing about the account): wait for its e-mail, or the delete
            // could reach Users first and leave no account to reset.
            await App.Mail.WaitUntilAsync(_ => App.Mail.To(email).Any(m => m.Subject == "Reset your Modular password"));
            await gateway.SendAsync(HttpMethod.Delete, "/api/v1/users/me", session.AccessToken,
                new { currentPassword = "a brand new passphrase" }, 204);
        }));

        await App.Mail.WaitUntilAsync(_ => emails.All(e => App.Mail.To(e).Count == 4), TimeSpan.FromSeconds(60));
        foreach (var email in emails)
            App.Mail.To(email).Select(m => m.Subject).ShouldBe(
            [
                "Welcome to Modular", "Your Modular password was changed", "Reset your Modular password",
                "Your Modular account was deleted",
            ], email);
    }

    [Fact]
    public async Task killing_one_of_two_notification_services_while_events_flow_loses_no_welcome_email_and_repeats_at_most_the_one_in_flight()
    {
        const int registrations = 30;
        var emails = Enumerable.Range(0, registrations).Select(i => $"burst{i}@example.com").ToArray();

        var burst = Task.WhenAll(emails.Select((email, i) =>
            App.Gateways[i % 2].PostJsonAsync("/api/v1/auth/register", new { email, password = Api.Password }, 201)));
        await App.Mail.WaitUntilAsync(messages => messages.Count >= 3);
        // One of the two replicas, SIGKILL: no graceful shutdown. The other takes its partitions after its session timeout.
        await app.KillNotificationServiceReplicaAsync(0);
        await burst;

        await app.StartNotificationServiceAsync();
        await App.Mail.WaitUntilAsync(_ => emails.All(e => App.Mail.To(e).Count > 0), TimeSpan.FromSeconds(120));
        // Every event handled: the service keeps no inbox, its consumer group's offsets say it (docs/adr/0019). Each new
        // registration lands on a partition by its user id and waits for its e-mail.
        await TopicBacklog.WaitUntilConsumedAsync(TestEnvironment.KafkaBrokers, "notification-service", UsersTopics.Events,
            nudge: () => App.RegisterAsync($"after.kill.{Guid.NewGuid():N}@example.com"));

        // Nothing lost; nothing sent twice but, at most, the one e-mail the SMTP server accepted in the
        // instant between its "250 OK" and the kill, before the delivery log committed (docs/adr/0006).
        foreach (var email in emails) App.Mail.To(email).Count.ShouldBeInRange(1, 2, email);
        emails.Sum(e => App.Mail.To(e).Count - 1).ShouldBeLessThanOrEqualTo(1);
        // ... and a repeated copy carries the first one's Message-ID, so mail clients show the e-mail once.
        foreach (var email in emails) App.Mail.To(email).Select(m => m.Headers["Message-ID"]).Distinct().Count().ShouldBe(1, email);
    }

    [Fact]
    public async Task an_event_a_live_user_service_sent_but_could_not_delete_from_its_outbox_is_sent_again_and_mailed_once()
    {
        var outbox = $"{ModularPersistence.MessageStorageSchema("user-service")}.wolverine_outgoing_envelopes";
        await using var db = await TestDatabase.OpenAsync(App.DatabaseUrl);
        // PostgreSQL restarting between a send and the delete of its outbox row (the fault suite's case): the event went
        // out, its row stays, owned by a user-service that lives on and never looks at it again. A trigger keeps the row
        // of the next UserRegistered from its delete, and says which row it kept.
        await ExecuteAsync(db, $"""
            create table if not exists public.test_kept_outbox_rows (id uuid primary key);
            truncate public.test_kept_outbox_rows;
            create or replace function public.test_keep_sent_welcome() returns trigger language plpgsql as $body$
            begin
              if old.message_type like '%UserRegistered' then
                insert into public.test_kept_outbox_rows values (old.id) on conflict do nothing;
                return null;
              end if;
              return old;
            end $body$;
            create trigger test_keep_sent_welcome before delete on {outbox} for each row execute function public.test_keep_sent_welcome();
            """);
        Guid kept;
        string email;
        try
        {
            email = (await App.RegisterAsync($"kept.in.outbox.{Guid.NewGuid():N}@example.com")).User.Email;
            kept = await Eventually.ReadAsync(async () =>
            {
                await using var query = new NpgsqlCommand("select id from public.test_kept_outbox_rows limit 1", db);
                return await query.ExecuteScalarAsync() is Guid id ? id : Guid.Empty;
            }, id => id != Guid.Empty, TimeSpan.FromSeconds(30));
            kept.ShouldNotBe(Guid.Empty, "the user-service never deleted the outbox row of its UserRegistered");
        }
        finally
        {
            await ExecuteAsync(db, $"drop trigger test_keep_sent_welcome on {outbox}; drop table public.test_kept_outbox_rows;");
        }
        // The row as the fault suite left it, owned by a live node, and older than the outbox's stale time (docs/adr/0021)
        // without this test waiting for that.
        await using (var owner = new NpgsqlCommand($"select owner_id from {outbox} where id = @id", db))
        {
            owner.Parameters.AddWithValue("id", kept);
            ((int)(await owner.ExecuteScalarAsync())!).ShouldNotBe(0, "the kept row is owned by the user-service that sent it");
        }
        await using (var age = new NpgsqlCommand($"update {outbox} set \"timestamp\" = now() - interval '1 hour' where id = @id", db))
        {
            age.Parameters.AddWithValue("id", kept);
            (await age.ExecuteNonQueryAsync()).ShouldBe(1);
        }

        // A recovery pass of either user-service sends the row again and deletes it: the outbox drains without a restart.
        var left = await Eventually.ReadAsync(async () =>
        {
            await using var count = new NpgsqlCommand($"select count(*) from {outbox} where id = @id", db);
            count.Parameters.AddWithValue("id", kept);
            return (long)(await count.ExecuteScalarAsync())!;
        }, n => n == 0, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));
        left.ShouldBe(0, "the row a live user-service kept was never sent again");
        // The repeat reached the notification-service, which dropped it by its delivery log: one welcome e-mail.
        await TopicBacklog.WaitUntilConsumedAsync(TestEnvironment.KafkaBrokers, "notification-service", UsersTopics.Events,
            nudge: () => App.RegisterAsync($"after.kept.{Guid.NewGuid():N}@example.com"));
        App.Mail.To(email).Count.ShouldBe(1);
    }

    private static async Task ExecuteAsync(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }
}
