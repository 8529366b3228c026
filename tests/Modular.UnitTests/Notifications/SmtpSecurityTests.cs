using MailKit.Security;
using Modular.Notifications;

namespace Modular.UnitTests.Notifications;

/// <summary>How <c>SMTP_URL</c> secures the connection: credentials never travel in clear unless the URL says so.</summary>
public sealed class SmtpSecurityTests
{
    [Theory]
    [InlineData("smtps://mail.example.com", SecureSocketOptions.SslOnConnect)]
    [InlineData("smtps://user:pw@mail.example.com:465", SecureSocketOptions.SslOnConnect)]
    [InlineData("smtp://user:pw@mail.example.com:587", SecureSocketOptions.StartTls)]
    [InlineData("smtp://user:pw@mail.example.com:587?tls=none", SecureSocketOptions.None)]
    [InlineData("smtp://mail.example.com:587?tls=required", SecureSocketOptions.StartTls)]
    [InlineData("smtp://mail.example.com:587?TLS=Required", SecureSocketOptions.StartTls)]
    [InlineData("smtp://mailcatcher:1025", SecureSocketOptions.StartTlsWhenAvailable)]
    public void the_url_decides_how_the_connection_is_secured(string url, SecureSocketOptions expected)
    {
        SmtpMailSender.Security(new Uri(url)).ShouldBe(expected);
    }

    [Fact]
    public void an_unknown_tls_value_is_refused()
    {
        Should.Throw<FormatException>(() => SmtpMailSender.TlsParameter(new Uri("smtp://mail.example.com?tls=maybe")));
    }
}
