using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using Modular.Gateway.Auth;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Scalar.AspNetCore;
using StackExchange.Redis;
using Wolverine;

namespace Modular.Gateway;

public static class GatewayModule
{
    public const string OpenApiDocument = "/api/docs/openapi.json";

    /// <summary>Runs the Gateway module in this process: JWT authentication, the Redis token store, the HTTP API.</summary>
    public static WolverineOptions AddGateway(this WolverineOptions opts, SettingsReader settings)
    {
        var gateway = GatewaySettings.Read(settings);
        var services = opts.Services;

        services.AddSingleton(gateway.Jwt);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(gateway.Redis));
        services.AddSingleton<TokenStore>();
        services.AddSingleton<TokenIssuer>();
        services.AddHealthChecks().AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(),
            name: "redis", tags: [HealthEndpoints.ReadyTag], timeout: HealthEndpoints.CheckTimeout);

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = TokenIssuer.AccessValidation(gateway.Jwt);
            });
        services.AddAuthorization();
        services.AddOpenApi();
        return opts;
    }

    /// <summary>The HTTP API of spec section 3.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi(OpenApiDocument);
        app.MapScalarApiReference("/api/docs", scalar => scalar.WithOpenApiRoutePattern(OpenApiDocument).WithTitle("Modular API"));

        var auth = app.MapGroup("/api/v1/auth").WithTags("Auth");
        auth.MapPost("/register", Register.Handle)
            .Produces<TokenPair>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        auth.MapPost("/login", Login.Handle)
            .Produces<TokenPair>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapGet("/me", Me.Handle).RequireAuthorization()
            .Produces<UserDetails>().ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }
}
