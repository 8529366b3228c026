using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Modular.Gateway.Users;
using Modular.Gateway.Auth;

namespace Modular.Gateway.Http;

/// <summary>
/// The OpenAPI document at <c>/api/docs/openapi.json</c>, part of the product: a title and description, the Bearer
/// scheme on every route that needs a token (so the UI at <c>/api/docs</c> can send one), an operation id, summary and
/// description per route (<see cref="Documented"/>), the problem+json errors, and an example of every request body.
/// tests/Modular.Tests/Scenarios/ApiDocumentScenarios.cs generates a C# client from it and keeps a snapshot of it.
/// </summary>
internal static class ApiDocument
{
    public const string BearerScheme = "Bearer";

    public static void Configure(OpenApiOptions openApi)
    {
        // 3.0 rather than 3.1: what client generators read (NSwag, Kiota, openapi-generator); 3.1's type arrays are not.
        openApi.OpenApiVersion = OpenApiSpecVersion.OpenApi3_0;
        openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Modular API",
                Version = "v1",
                Description = "Accounts, sessions and e-mail of Modular. Sign in with `POST /api/v1/auth/login` (or register), " +
                    "then send the access token as `Authorization: Bearer <token>`; renew it with the refresh token at " +
                    "`POST /api/v1/auth/refresh`. Every error is an RFC 9457 problem (`application/problem+json`). " +
                    "State-changing requests accept an `Idempotency-Key` header that makes a retry safe.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "The access token of a login, register or refresh (valid for JWT_EXPIRES_IN).",
            };
            return Task.CompletedTask;
        });
        openApi.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            }
            if (operation.RequestBody?.Content is { } content && context.Description.ParameterDescriptions
                    .FirstOrDefault(p => p.Source.Id == "Body")?.Type is { } body && Examples.TryGetValue(body, out var example))
            {
                foreach (var media in content.Values) media.Example = JsonSerializer.SerializeToNode(example, JsonSerializerOptions.Web);
            }
            return Task.CompletedTask;
        });
        openApi.AddOperationTransformer(IdempotencyKeys.DocumentHeader);
    }

    /// <summary>Names the route in the document: its operation id (what a generated client calls it), a one-line summary and a description.</summary>
    public static RouteHandlerBuilder Documented(this RouteHandlerBuilder route, string operationId, string summary, string description) =>
        route.WithName(operationId).WithSummary(summary).WithDescription(description);

    private const string ExamplePassword = "correct horse battery staple";
    private const string ExampleToken = "the token from the e-mail";

    /// <summary>An example of each request body, as a client sends it.</summary>
    private static readonly Dictionary<Type, object> Examples = new()
    {
        [typeof(RegisterRequest)] = new RegisterRequest("ada@example.com", ExamplePassword, "Ada Lovelace"),
        [typeof(LoginRequest)] = new LoginRequest("ada@example.com", ExamplePassword),
        [typeof(RefreshRequest)] = new RefreshRequest("the refreshToken of the last login or refresh"),
        [typeof(LogoutRequest)] = new LogoutRequest("the refreshToken of this session"),
        [typeof(ChangePasswordRequest)] = new ChangePasswordRequest(ExamplePassword, "a new and longer passphrase"),
        [typeof(ForgotPasswordRequest)] = new ForgotPasswordRequest("ada@example.com"),
        [typeof(ResetPasswordRequest)] = new ResetPasswordRequest(ExampleToken, "a new and longer passphrase"),
        [typeof(VerifyEmailRequest)] = new VerifyEmailRequest(ExampleToken),
        [typeof(UpdateMeRequest)] = new UpdateMeRequest("Ada King"),
        [typeof(DeleteMeRequest)] = new DeleteMeRequest(ExamplePassword),
    };
}
