using System.Text;
using Confluent.Kafka;
using Modular.Tests.Infrastructure;
using Modular.Gateway.Tokens;
using Npgsql;

namespace Modular.Tests.Scenarios;

/// <summary>
/// No password and no reset or verification token is written anywhere a reader of the storage could find it: not on a Kafka
/// topic (split mode), not in a row of any table, Wolverine's inbox, outbox and dead letters included
/// (docs/adr/0011). The flows are the ones whose messages carry a secret: register, login, change-password,
/// forgot-password, reset-password and verify-email.
/// </summary>
public abstract class SecretsAtRestScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task no_password_and_no_reset_or_verification_token_is_stored_on_a_topic_or_in_a_table()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        var email = $"secret-{run}@example.com";
        var first = $"first password {run}";
        var second = $"second password {run}";
        var third = $"third password {run}";

        var session = (await (await Gateway.PostJsonAsync("/api/v1/auth/register", new { email, password = first, name = "Sam" }, 201))
            .ReadAsJsonAsync<TokenPair>())!;
        await App.Mail.WaitForAsync(email);
        var verification = App.Mail.VerificationTokenFor(email);
        await Gateway.PostJsonAsync("/api/v1/auth/verify-email", new { token = verification }, 204);
        await Gateway.LoginAsync(email, first);
        await Gateway.SendAsync(HttpMethod.Post, "/api/v1/auth/change-password", session.AccessToken,
            new { currentPassword = first, newPassword = second }, 204);
        await Gateway.PostJsonAsync("/api/v1/auth/forgot-password", new { email }, 202);
        await App.Mail.WaitUntilAsync(_ => App.Mail.To(email).Any(m => m.Subject.Contains("Reset")));
        var token = App.Mail.ResetTokenFor(email);
        token.Length.ShouldBeGreaterThan(20);
        await Gateway.PostJsonAsync("/api/v1/auth/reset-password", new { token, newPassword = third }, 204);
        await Gateway.LoginAsync(email, third);
        await App.Mail.WaitUntilAsync(_ => App.Mail.To(email).Count >= 4); // welcome, changed, reset, changed

        var stored = await StoredTextsAsync();

        // What is searched holds this run's messages: the envelopes of the password reset are among them.
        stored.Count(s => s.Contains("PasswordResetRequested")).ShouldBeGreaterThan(0, "no stored message of this flow was found to search");
        foreach (var secret in new[] { first, second, third, token, verification })
            stored.Where(s => s.Contains(secret)).ShouldBeEmpty($"'{secret}' is stored in clear");
        // Encrypted whole: not even the address is readable in a message body.
        stored.Where(s => s.Contains("\"" + email + "\"") && s.Contains("PasswordResetRequested")).ShouldBeEmpty();
    }

    /// <summary>Every row of every table of the database (as text; bytes as UTF-8) and, in split mode, every message on every topic.</summary>
    private async Task<List<string>> StoredTextsAsync()
    {
        var texts = new List<string>();
        await using (var connection = await TestDatabase.OpenAsync(App.DatabaseUrl))
        {
            var tables = new List<string>();
            await using (var list = new NpgsqlCommand(
                "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
                connection))
            await using (var reader = await list.ExecuteReaderAsync())
                while (await reader.ReadAsync()) tables.Add(reader.GetString(0));

            foreach (var table in tables)
            {
                await using var select = new NpgsqlCommand($"SELECT * FROM {table}", connection);
                await using var reader = await select.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    var row = new StringBuilder(table);
                    for (var i = 0; i < reader.FieldCount; i++)
                        row.Append(' ').Append(reader.IsDBNull(i) ? "" : reader.GetValue(i) is byte[] bytes ? Encoding.UTF8.GetString(bytes) : reader.GetValue(i).ToString());
                    texts.Add(row.ToString());
                }
            }
        }

        if (App is SplitApp) texts.AddRange(MessagesOnEveryTopic());
        return texts;
    }

    private static IEnumerable<string> MessagesOnEveryTopic()
    {
        var brokers = TestEnvironment.KafkaBrokers;
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = brokers }).Build();
        var partitions = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
            .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId))).ToList();
        partitions.ShouldContain(p => p.Topic == "users.requests");

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = brokers,
            GroupId = "secrets-at-rest-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
        }).Build();
        var messages = new List<string>();
        foreach (var partition in partitions)
        {
            var end = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High;
            if (end == 0) continue;
            consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
            while (consumer.Consume(TimeSpan.FromSeconds(10)) is { } record)
            {
                var headers = string.Join(" ", record.Message.Headers.Select(h => $"{h.Key}={Encoding.UTF8.GetString(h.GetValueBytes())}"));
                messages.Add($"{partition.Topic} {headers} {Encoding.UTF8.GetString(record.Message.Value ?? [])}");
                if (record.Offset.Value + 1 >= end) break;
            }
            consumer.Unassign();
        }
        messages.ShouldContain(m => m.StartsWith("users.requests"), "the topics hold no request to search");
        return messages;
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class SecretsAtRestInSingleProcess(SingleProcessApp app) : SecretsAtRestScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class SecretsAtRestInSplitMode(SplitApp app) : SecretsAtRestScenarios(app);
