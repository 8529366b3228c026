using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Observability;
using OpenTelemetry.Trace;
using Modular.Gateway.Accounts;
using Modular.Gateway.Auth;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Scalar.AspNetCore;
using StackExchange.Redis;
using Wolverine;

namespace Modular.Gateway;

public static class GatewayModule
{
    public const string OpenApiDocument = "/api/docs/openapi.json";
    private const string AdminPolicy = "admin";

    /// <summary>Runs the Gateway module in this process: JWT authentication, the Redis token store, rate limits, the HTTP API.</summary>
    public static WolverineOptions AddGateway(this WolverineOptions opts, SettingsReader settings)
    {
        var gateway = GatewaySettings.Read(settings);
        var services = opts.Services;

        services.AddSingleton(gateway.Jwt);
        services.AddSingleton(gateway.Login);
        services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(forwarded =>
        {
            // Only the configured proxies are believed (none by default, not even loopback): anyone else could
            // name any client in the header and get a fresh rate-limit bucket with each request.
            forwarded.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var network in gateway.TrustedProxies) forwarded.KnownIPNetworks.Add(network);
            forwarded.ForwardLimit = null; // walk back over every trusted hop to the first address that is not one
        });
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(gateway.Redis));
        services.AddModuleTracing(tracing => tracing.AddRedisInstrumentation());
        services.AddSingleton<SecurityEvents>();
        services.AddSingleton<TokenStore>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<RequestGate>();
        services.AddSingleton<IdempotentRequests>();
        services.AddSingleton(sp => new UserProfiles(sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>(),
            sp.GetRequiredService<TokenStore>(), gateway.Jwt));
        // Its handlers keep the read model of users coherent with Users' events (UserProfilesHandler).
        opts.Discovery.IncludeAssembly(typeof(GatewayModule).Assembly);
        services.AddHealthChecks().AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(),
            name: "redis", tags: [HealthEndpoints.ReadyTag], timeout: HealthEndpoints.CheckTimeout);
        services.AddSingleton<UsersRoundTrip>();
        services.AddHealthChecks().AddCheck<UsersRoundTrip>("users", tags: [HealthEndpoints.ReadyTag], timeout: HealthEndpoints.CheckTimeout);
        services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = GatewayPipeline.MaxBodyBytes);
        services.AddSingleton(gateway.Throttle);
        services.AddPasswordWorkLimit();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = TokenIssuer.AccessValidation(gateway.Jwt);
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(new CachingTokenHandler(TimeProvider.System));
            });
        services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy.RequireRole(GetAccount.AdminRole));
        services.AddOpenApi(openApi => openApi.AddOperationTransformer(IdempotencyKeys.DocumentHeader));
        return opts;
    }

    /// <summary>The HTTP API (README, HTTP API).</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseRedisAvailability();
        app.UseBodyLimit();
        app.UseAuthentication();
        app.UseMiddleware<RequestGate>();
        app.UseRateLimiter();
        app.UseAuthorization();
        // After authorization: a request refused (401, 403, 429 per IP) never claims its key; the user scopes it.
        app.UseMiddleware<IdempotentRequests>();

        app.MapOpenApi(OpenApiDocument);
        app.MapScalarApiReference("/api/docs", scalar => scalar.WithOpenApiRoutePattern(OpenApiDocument).WithTitle("Modular API"));

        var auth = app.MapGroup("/api/v1/auth").WithTags("Auth").AcceptIdempotencyKeys();
        auth.MapPost("/register", Register.Handle).CostsAPasswordHash().LimitedLikeAuth()
            .Produces<TokenPair>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        auth.MapPost("/login", Login.Handle).CostsAPasswordHash().LimitedLikeAuth()
            .Produces<TokenPair>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        auth.MapPost("/refresh", Refresh.Handle)
            .Produces<TokenPair>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/logout", Logout.Handle).RequireAuthorization()
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapGet("/me", Me.Handle).RequireAuthorization().WithMetadata(UserProfiles.ReadsOwnProfile.Instance)
            .Produces<UserDetails>().ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapGet("/sessions", ListSessions.Handle).RequireAuthorization()
            .Produces<List<SessionView>>().ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapDelete("/sessions/{id}", EndSession.Handle).RequireAuthorization()
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        auth.MapDelete("/sessions", EndOtherSessions.Handle).RequireAuthorization()
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/change-password", ChangePasswordEndpoint.Handle).CostsAPasswordHash().LimitedLikeAuth().RequireAuthorization()
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/forgot-password", ForgotPassword.Handle).LimitedLikeAuth()
            .Produces(StatusCodes.Status202Accepted).ProducesValidationProblem();
        auth.MapPost("/reset-password", ResetPasswordEndpoint.Handle).CostsAPasswordHash()
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem();
        auth.MapPost("/verify-email", VerifyEmailEndpoint.Handle)
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem();
        auth.MapPost("/resend-verification", ResendVerificationEndpoint.Handle).RequireAuthorization()
            .Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status401Unauthorized);

        var users = app.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization().AcceptIdempotencyKeys();
        users.MapPatch("/me", UpdateMe.Handle)
            .Produces<UserDetails>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        users.MapDelete("/me", DeleteMe.Handle).CostsAPasswordHash().LimitedLikeAuth()
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        users.MapGet("/me/export", ExportMe.Handle)
            .Produces<AccountExport>().ProducesProblem(StatusCodes.Status401Unauthorized);
        users.MapGet("/me/security-events", ListSecurityEventsEndpoint.Mine)
            .Produces<SecurityEventPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        users.MapGet("/{id}/security-events", ListSecurityEventsEndpoint.OfUser).RequireAuthorization(AdminPolicy)
            .Produces<SecurityEventPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapGet("/", ListAccounts.Handle).RequireAuthorization(AdminPolicy)
            .Produces<UserPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);
        users.MapGet("/{id}", GetAccount.Handle).WithMetadata(UserProfiles.ReadsOwnProfile.Instance)
            .Produces<UserDetails>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
