using System.Text.Json;
using Alba;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

public abstract class HealthAndDocsScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task health_is_200_while_the_process_runs()
    {
        await Gateway.GetAsync("/health", 200);
    }

    [Fact]
    public async Task ready_is_200_and_lists_each_dependency_of_the_process_as_healthy()
    {
        var result = await Gateway.GetAsync("/health/ready", 200);

        var checks = JsonDocument.Parse(result.ReadAsText()).RootElement.GetProperty("checks");
        checks.EnumerateObject().Select(c => c.Name).ShouldBe(App.GatewayDependencies, ignoreOrder: true);
        foreach (var check in checks.EnumerateObject())
            check.Value.GetProperty("status").GetString().ShouldBe("Healthy", check.Name);
    }

    [Fact]
    public async Task api_docs_serve_a_browsable_ui_and_an_openapi_document_of_the_routes()
    {
        var redirect = await Gateway.GetAsync("/api/docs", 302);
        var ui = await Gateway.GetAsync("/api/docs/", 200);
        ui.Context.Response.ContentType!.ShouldStartWith("text/html");

        var document = JsonDocument.Parse((await Gateway.GetAsync("/api/docs/openapi.json", 200)).ReadAsText()).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToArray();
        paths.ShouldContain("/api/v1/auth/register");
        paths.ShouldContain("/api/v1/auth/login");
        paths.ShouldContain("/api/v1/auth/me");
        redirect.Context.Response.Headers.Location.ToString().ShouldEndWith("docs/");
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class HealthAndDocsInSingleProcess(SingleProcessApp app) : HealthAndDocsScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class HealthAndDocsInSplitMode(SplitApp app) : HealthAndDocsScenarios(app);
