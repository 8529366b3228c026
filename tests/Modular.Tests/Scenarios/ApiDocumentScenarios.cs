using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Modular.Tests.Infrastructure;
using NSwag.CodeGeneration.CSharp;

namespace Modular.Tests.Scenarios;

/// <summary>
/// The OpenAPI document at <c>/api/docs/openapi.json</c> is part of the product: what a client generator and the UI at
/// <c>/api/docs</c> read (src/Modules/Gateway/Http/ApiDocument.cs). It is kept as a snapshot, so a change of the API
/// shows in review as a change of <c>tests/Modular.Tests/Scenarios/openapi.json</c>.
/// </summary>
public abstract class ApiDocumentScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    private const string Snapshot = "tests/Modular.Tests/Scenarios/openapi.json";

    private async Task<string> DocumentAsync() => (await Gateway.GetAsync("/api/docs/openapi.json", 200)).ReadAsText();

    [Fact]
    public async Task the_document_is_the_committed_contract()
    {
        var served = JsonNode.Parse(await DocumentAsync())!.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // readable in a diff
        }) + "\n";
        var path = TestEnvironment.RepositoryRoot() + "/" + Snapshot;
        var committed = File.Exists(path) ? File.ReadAllText(path) : "";
        if (served != committed)
        {
            // Beside the snapshot, for the reviewer's diff; copy it over the snapshot when the change is meant.
            File.WriteAllText(Path.ChangeExtension(path, ".received.json"), served);
            served.ShouldBe(committed, $"the API changed: compare {Snapshot} with openapi.received.json beside it, and copy it over if the change is meant");
        }
    }

    [Fact]
    public async Task every_operation_has_an_id_a_summary_a_description_its_errors_as_problems_and_the_bearer_scheme_where_it_needs_a_token()
    {
        var document = JsonDocument.Parse(await DocumentAsync()).RootElement;
        document.GetProperty("info").GetProperty("title").GetString().ShouldBe("Modular API");
        document.GetProperty("info").GetProperty("description").GetString()!.ShouldContain("Bearer");
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        bearer.GetProperty("scheme").GetString().ShouldBe("bearer");
        bearer.GetProperty("bearerFormat").GetString().ShouldBe("JWT");

        var ids = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        foreach (var operation in path.Value.EnumerateObject())
        {
            var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
            var op = operation.Value;
            ids.Add(op.GetProperty("operationId").GetString()!);
            op.GetProperty("summary").GetString().ShouldNotBeNullOrWhiteSpace(name);
            op.GetProperty("description").GetString().ShouldNotBeNullOrWhiteSpace(name);
            var errors = op.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5').ToList();
            errors.Select(r => r.Name).ShouldContain("429", name);
            foreach (var error in errors)
                error.Value.GetProperty("content").EnumerateObject().Select(c => c.Name).ShouldBe(["application/problem+json"], name + " " + error.Name);
            if (op.TryGetProperty("requestBody", out var body))
                body.GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _).ShouldBeTrue($"{name} has no request example");

            // Anonymous routes: the ones that give or renew a token, and the e-mail links.
            var anonymous = path.Name is "/api/v1/auth/register" or "/api/v1/auth/login" or "/api/v1/auth/refresh"
                or "/api/v1/auth/forgot-password" or "/api/v1/auth/reset-password" or "/api/v1/auth/verify-email";
            var schemes = op.TryGetProperty("security", out var security)
                ? security.EnumerateArray().SelectMany(s => s.EnumerateObject().Select(p => p.Name)).ToList()
                : [];
            schemes.ShouldBe(anonymous ? [] : ["Bearer"], name);
        }
        ids.ShouldBeUnique();
        ids.ShouldContain("getMe");
    }

    [Fact]
    public async Task a_csharp_client_generated_from_the_document_with_nswag_compiles_and_names_its_methods_after_the_operations()
    {
        var document = await NSwag.OpenApiDocument.FromJsonAsync(await DocumentAsync());
        var code = new CSharpClientGenerator(document, new CSharpClientGeneratorSettings
        {
            ClassName = "ModularClient",
            OperationNameGenerator = new NSwag.CodeGeneration.OperationNameGenerators.SingleClientFromOperationIdOperationNameGenerator(),
            CSharpGeneratorSettings = { Namespace = "Generated", JsonLibrary = NJsonSchema.CodeGeneration.CSharp.CSharpJsonLibrary.SystemTextJson },
        }).GenerateFile();

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(dll => MetadataReference.CreateFromFile(dll));
        var compilation = CSharpCompilation.Create("Generated", [CSharpSyntaxTree.ParseText(code)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable));
        using var assembly = new MemoryStream();
        var emitted = compilation.Emit(assembly);
        emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ShouldBeEmpty();

        var client = System.Reflection.Assembly.Load(assembly.ToArray()).GetType("Generated.ModularClient")!;
        var methods = client.GetMethods().Select(m => m.Name).ToHashSet();
        foreach (var operation in new[] { "RegisterAsync", "LoginAsync", "RefreshAsync", "GetMeAsync", "UpdateMeAsync", "ListUsersAsync" })
            methods.ShouldContain(operation);
    }

    [Fact]
    public async Task the_docs_ui_asks_no_other_site_for_anything()
    {
        var html = (await Gateway.GetAsync("/api/docs/", 200)).ReadAsText();
        // Scalar's script is served by the gateway itself; its configuration turns off the agent, MCP, telemetry and CDN fonts.
        html.ShouldNotContain("cdn.jsdelivr.net");
        html.ShouldContain("\"withDefaultFonts\":false");
        html.ShouldContain("\"telemetry\":false");
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class ApiDocumentInSingleProcess(SingleProcessApp app) : ApiDocumentScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class ApiDocumentInSplitMode(SplitApp app) : ApiDocumentScenarios(app);
