using Alba;
using MimeKit;
using Modular.Gateway.Users;
using Modular.Tests.Infrastructure;
using Npgsql;
using T = Modular.Users.Contracts.SecurityEventTypes;

namespace Modular.Tests.Scenarios;

/// <summary><c>GET /api/v1/users/me/export</c> (GDPR art. 15/20), and what <c>DELETE /users/me</c> leaves of the delivery log.</summary>
public abstract class ExportScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    private const string Export = "/api/v1/users/me/export";

    [Fact]
    public async Task the_export_holds_the_profile_the_sessions_the_trail_and_exactly_the_emails_the_smtp_server_received_for_that_user()
    {
        var pair = await App.RegisterAsync("exporter@example.com", "Ex Porter");
        await App.RegisterAsync("bystander@example.com");
        await Gateway.PostJsonAsync("/api/v1/auth/forgot-password", new { email = "exporter@example.com" }, 202);
        await App.Mail.WaitUntilAsync(m => m.Any(e => e.Subject.Contains("Reset")));
        await Gateway.PostJsonAsync("/api/v1/auth/reset-password",
            new { token = App.Mail.ResetTokenFor("exporter@example.com"), newPassword = "an exported passphrase" }, 204);
        var reader = await Gateway.LoginAsync("exporter@example.com", "an exported passphrase");
        var received = await App.Mail.WaitUntilAsync(m => m.Count(e => e.ToAddresses.Any(a => a.Address == "exporter@example.com")) == 3);
        var expectedIds = received.Where(e => e.ToAddresses.Any(a => a.Address == "exporter@example.com")).Select(MessageId).Order().ToArray();
        var othersIds = App.Mail.To("bystander@example.com").Select(MessageId).ToArray();

        var (result, export) = await WaitForExportAsync(reader.AccessToken, emails: 3);

        result.Context.Response.Headers.ContentDisposition.ToString().ShouldContain("attachment");
        export.User.Id.ShouldBe(pair.User.Id);
        export.User.Name.ShouldBe("Ex Porter");
        export.Sessions.ShouldHaveSingleItem().Current.ShouldBeTrue("the reset ended the sessions before it");
        export.SecurityEvents.Select(e => e.Type).ShouldBe([T.LoginSucceeded, T.PasswordReset, T.Registered]);
        export.Emails.Select(e => e.Template).ShouldBe(["welcome", "password-reset", "password-changed"]);
        export.Emails.Select(e => e.MessageId).Order().ShouldBe(expectedIds);
        export.Emails.Select(e => e.MessageId).ShouldNotContain(id => othersIds.Contains(id));
        var body = result.ReadAsText();
        body.ShouldNotContain("bystander");
        body.ShouldNotContain("an exported passphrase");
        body.ShouldNotContain(reader.RefreshToken);
    }

    [Fact]
    public async Task deleting_the_account_leaves_no_row_of_the_delivery_log_that_names_it_but_keeps_the_dedupe_keys()
    {
        var pair = await App.RegisterAsync("forgotten@example.com");
        (await WaitForDeliveryRowsAsync(pair.User.Id, 1)).ShouldBe(1, "the welcome e-mail's row names the account");
        var rowsBefore = await DeliveryRowsAsync(null);

        await Gateway.SendAsync(HttpMethod.Delete, "/api/v1/users/me", pair.AccessToken, new { currentPassword = Api.Password }, 204);
        await App.Mail.WaitUntilAsync(m => m.Any(e => e.Subject.Contains("was deleted")));

        (await WaitForDeliveryRowsAsync(pair.User.Id, 0)).ShouldBe(0);
        (await DeliveryRowsAsync(null)).ShouldBe(rowsBefore + 1, "the welcome's and the goodbye's dedupe keys stay");
    }

    [Fact]
    public async Task the_export_needs_a_token() => (await Gateway.GetAsync(Export, 401)).ShouldBeProblem(401);

    // An e-mail reaches the SMTP server a moment before its delivery-log row commits.
    private async Task<(IScenarioResult, AccountExport)> WaitForExportAsync(string accessToken, int emails) =>
        await Eventually.ReadAsync(async () =>
        {
            var result = await Gateway.SendAsync(HttpMethod.Get, Export, accessToken, null, 200);
            return (result, (await result.ReadAsJsonAsync<AccountExport>())!);
        }, reading => reading.Item2.Emails.Count >= emails);

    private static string MessageId(SmtpMessage message) =>
        MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(message.Data))).MessageId ?? "";

    private async Task<long> WaitForDeliveryRowsAsync(Guid userId, long expected) =>
        await Eventually.ReadAsync(() => DeliveryRowsAsync(userId), rows => rows == expected);

    /// <summary>Rows of the delivery log, of one user or of all.</summary>
    private async Task<long> DeliveryRowsAsync(Guid? userId)
    {
        await using var connection = await TestDatabase.OpenAsync(App.DatabaseUrl);
        await using var count = new NpgsqlCommand(
            "select count(*) from notifications.mt_doc_sentemail" + (userId is null ? "" : " where data->>'UserId' = @user"), connection);
        if (userId is not null) count.Parameters.AddWithValue("user", userId.Value.ToString());
        return (long)(await count.ExecuteScalarAsync())!;
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class ExportInSingleProcess(SingleProcessApp app) : ExportScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class ExportInSplitMode(SplitApp app) : ExportScenarios(app);
