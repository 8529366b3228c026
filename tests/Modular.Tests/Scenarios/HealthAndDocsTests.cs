using System.Text.Json;
using Alba;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

public sealed class HealthAndDocsTests(AppFixture app) : AppTest(app)
{
    [Fact]
    public async Task health_is_200_while_the_process_runs()
    {
        await Host.GetAsync("/health", 200);
    }

    [Fact]
    public async Task ready_is_200_and_lists_postgres_and_redis_as_healthy()
    {
        var result = await Host.GetAsync("/health/ready", 200);

        var checks = JsonDocument.Parse(result.ReadAsText()).RootElement.GetProperty("checks");
        checks.GetProperty("postgres").GetProperty("status").GetString().ShouldBe("Healthy");
        checks.GetProperty("redis").GetProperty("status").GetString().ShouldBe("Healthy");
    }

    [Fact]
    public async Task api_docs_serve_a_browsable_ui_and_an_openapi_document_of_the_routes()
    {
        var redirect = await Host.GetAsync("/api/docs", 302);
        var ui = await Host.GetAsync("/api/docs/", 200);
        ui.Context.Response.ContentType!.ShouldStartWith("text/html");

        var document = JsonDocument.Parse((await Host.GetAsync("/api/docs/openapi.json", 200)).ReadAsText()).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToArray();
        paths.ShouldContain("/api/v1/auth/register");
        paths.ShouldContain("/api/v1/auth/login");
        paths.ShouldContain("/api/v1/auth/me");
        redirect.Context.Response.Headers.Location.ToString().ShouldEndWith("docs/");
    }
}
