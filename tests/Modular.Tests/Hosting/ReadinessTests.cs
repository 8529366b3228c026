using System.Text.Json;
using Alba;
using Microsoft.AspNetCore.Hosting;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Hosting;

public sealed class ReadinessTests
{
    [Fact]
    public async Task ready_is_503_and_names_redis_when_redis_cannot_be_reached_while_liveness_stays_200()
    {
        var settings = TestEnvironment.SingleProcess(smtpPort: TestEnvironment.FreeTcpPort());
        settings["REDIS_URL"] = $"redis://127.0.0.1:{TestEnvironment.FreeTcpPort()}"; // nothing listens there
        settings["DATABASE_URL"] = TestEnvironment.DatabaseUrlFor("modular_misc_test");
        await using var host = await AlbaHost.For<Program>(web =>
        {
            foreach (var (name, value) in settings) web.UseSetting(name, value);
        });

        await host.Scenario(s => { s.Get.Url("/health"); s.StatusCodeShouldBeOk(); });
        var ready = await host.Scenario(s => { s.Get.Url("/health/ready"); s.StatusCodeShouldBe(503); });

        var checks = JsonDocument.Parse(ready.ReadAsText()).RootElement.GetProperty("checks");
        checks.GetProperty("redis").GetProperty("status").GetString().ShouldBe("Unhealthy");
        checks.GetProperty("postgres").GetProperty("status").GetString().ShouldBe("Healthy");
    }
}
