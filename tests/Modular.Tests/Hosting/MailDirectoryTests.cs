using Alba;
using Marten;
using Microsoft.AspNetCore.Hosting;
using MimeKit;
using Modular.Tests.Infrastructure;
using Wolverine.Tracking;

namespace Modular.Tests.Hosting;

public sealed class MailDirectoryTests
{
    [Fact]
    public async Task without_SMTP_URL_the_welcome_email_is_written_to_MAIL_DIR_as_an_eml_file()
    {
        var mailDir = Directory.CreateTempSubdirectory("modular-mail-").FullName;
        var settings = TestEnvironment.SingleProcess(smtpPort: 0);
        settings.Remove("SMTP_URL");
        settings["MAIL_DIR"] = mailDir;
        settings["DATABASE_URL"] = TestEnvironment.DatabaseUrlFor("modular_misc_test");
        await using var host = await AlbaHost.For<Program>(web =>
        {
            foreach (var (name, value) in settings) web.UseSetting(name, value);
        });
        await host.ResetAllMartenDataAsync();

        await host.TrackActivity().Timeout(TimeSpan.FromSeconds(30)).ExecuteAndWaitAsync((Func<Wolverine.IMessageContext, Task>)(_ =>
            host.PostJsonAsync("/api/v1/auth/register", new { email = "mia@example.com", password = Api.Password, name = "Mia" }, 201)));

        var file = Directory.GetFiles(mailDir, "*.eml").ShouldHaveSingleItem();
        var message = await MimeMessage.LoadAsync(file);
        message.To.Mailboxes.Single().Address.ShouldBe("mia@example.com");
        message.TextBody.ShouldNotBeNull().ShouldContain("Mia");
        Directory.Delete(mailDir, recursive: true);
    }
}
