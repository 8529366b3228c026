using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Observability;
using OpenTelemetry.Trace;
using Modular.Gateway.Users;
using Modular.Gateway.Auth;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Notifications.Contracts;
using Modular.Users.Contracts;
using Scalar.AspNetCore;
using StackExchange.Redis;
using Wolverine;

namespace Modular.Gateway;

public static class GatewayModule
{
    public const string OpenApiDocument = "/api/docs/openapi.json";
    private const string AdminPolicy = "admin";

    /// <summary>The gateway to the host: it serves the HTTP API, sends the requests of Users and Notifications and waits
    /// for their replies, and reads the events of Users for its read model.</summary>
    public static readonly ModuleDefinition Definition = new("gateway", "gateway")
    {
        Add = (opts, settings) => opts.AddGateway(settings),
        Map = app => app.MapGateway(),
        // Users' events update the read model in Redis, which every replica shares: a replica joining the group serves
        // before its own consumer has been given partitions (a join into a group with members waits for a rebalance).
        Reads = [new(UsersTopics.Events, "gateway", GatesReadiness: false)],
        SendsTo = [UsersTopics.Requests, NotificationsTopics.Requests],
        AwaitsReplies = true,
    };

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
        services.AddSingleton(sp => new UsersBacklog(sp.GetRequiredService<HostRole>().RequestTimeout, sp.GetRequiredService<TimeProvider>()));
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
                jwt.TokenValidationParameters = SessionTokens.AccessValidation(gateway.Jwt);
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(new CachingTokenHandler(TimeProvider.System));
            });
        services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy.RequireRole(Roles.Admin));
        services.AddOpenApi(ApiDocument.Configure);
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
        // The UI works offline and sends nothing elsewhere: no AI agent, MCP, telemetry, fonts from a CDN or request proxy.
        app.MapScalarApiReference("/api/docs", scalar => scalar.WithOpenApiRoutePattern(OpenApiDocument).WithTitle("Modular API")
            .DisableAgent().DisableMcp().DisableTelemetry().DisableDefaultFonts().HideClientButton().HideDeveloperTools()
            .AddPreferredSecuritySchemes(ApiDocument.BearerScheme).ShowOperationId());

        // Every route: 429 over a rate limit, 503 while a dependency (Redis, Users) is away, 504 when Users does not answer in time.
        var auth = app.MapGroup("/api/v1/auth").WithTags("Auth").AcceptIdempotencyKeys().ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable).ProducesProblem(StatusCodes.Status504GatewayTimeout);
        auth.MapPost("/register", RegisterEndpoint.Handle).WaitsForUsers().CostsAPasswordHash().LimitedLikeAuth().Validates(RegisterEndpoint.Rules)
            .Documented("register", "Create an account", "Creates the account and signs it in: the answer is its first token pair. " +
                "A welcome e-mail with a link to verify the address follows. 409 if the e-mail is registered.")
            .Produces<TokenPair>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        auth.MapPost("/login", LoginEndpoint.Handle).WaitsForUsers().CostsAPasswordHash().LimitedLikeAuth().Validates(LoginEndpoint.Rules)
            .Documented("login", "Sign in with e-mail and password", "Opens a session and answers its token pair. A wrong password, " +
                "an unknown address and a locked account all answer the same 401; 403 for an unverified address when REQUIRE_VERIFIED_EMAIL is on.")
            .Produces<TokenPair>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        auth.MapPost("/refresh", RefreshEndpoint.Handle).WaitsForUsers()
            .Documented("refresh", "Renew the token pair", "Rotates the refresh token: the answer is a new pair and the old refresh " +
                "token stops working. Presenting a rotated token again ends its whole session (401).")
            .Produces<TokenPair>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/logout", LogoutEndpoint.Handle).RequireAuthorization()
            .Documented("logout", "End this session", "Ends the session of the access token: its refresh token and its access tokens stop working on every replica.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapGet("/me", GetMeEndpoint.Handle).RequireAuthorization().WithMetadata(UserProfiles.ReadsOwnProfile.Instance)
            .Documented("getMe", "Your account", "The signed-in user, answered from the gateway's read model without a round trip to Users.")
            .Produces<Modular.Gateway.Users.User>().ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapGet("/sessions", ListSessionsEndpoint.Handle).RequireAuthorization()
            .Documented("listSessions", "Your live sessions", "Every session of yours that has not ended, most recently used first; `current` marks this one.")
            .Produces<List<SessionView>>().ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapDelete("/sessions/{id}", EndSessionEndpoint.Handle).RequireAuthorization()
            .Documented("endSession", "End one of your sessions", "Ends the session: its tokens stop working at once. 404 for an id that is not one of your live sessions.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        auth.MapDelete("/sessions", EndOtherSessionsEndpoint.Handle).RequireAuthorization()
            .Documented("endOtherSessions", "End all your other sessions", "Ends every session of yours but the current one.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/change-password", ChangePasswordEndpoint.Handle).WaitsForUsers().CostsAPasswordHash().LimitedLikeAuth().RequireAuthorization().Validates(ChangePasswordEndpoint.Rules)
            .Documented("changePassword", "Change your password", "Needs the current password; every other session ends.")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/forgot-password", ForgotPasswordEndpoint.Handle).LimitedLikeAuth().Validates(ForgotPasswordEndpoint.Rules)
            .Documented("forgotPassword", "Ask for a password-reset e-mail", "Always 202, whether or not the account exists; " +
                "at most one e-mail per account per 5 minutes.")
            .Produces(StatusCodes.Status202Accepted).ProducesValidationProblem();
        auth.MapPost("/reset-password", ResetPasswordEndpoint.Handle).WaitsForUsers().CostsAPasswordHash().Validates(ResetPasswordEndpoint.Rules)
            .Documented("resetPassword", "Set a new password with the token of a reset e-mail", "The token works once; every session of the account ends, and a lockout is lifted.")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem();
        auth.MapPost("/verify-email", VerifyEmailEndpoint.Handle).WaitsForUsers().Validates(VerifyEmailEndpoint.Rules)
            .Documented("verifyEmail", "Verify your e-mail address with the token of the welcome e-mail", "400 for a used, expired or unknown token.")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem();
        auth.MapPost("/resend-verification", ResendVerificationEndpoint.Handle).RequireAuthorization()
            .Documented("resendVerification", "Send the verification e-mail again", "A new link at most every 5 minutes; the older ones stop working.")
            .Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status401Unauthorized);

        var users = app.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization().AcceptIdempotencyKeys()
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        users.MapPatch("/me", UpdateMeEndpoint.Handle).WaitsForUsers().Validates(UpdateMeEndpoint.Rules)
            .Documented("updateMe", "Change your name", "The new name shows on every replica within a second.")
            .Produces<Modular.Gateway.Users.User>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        users.MapDelete("/me", DeleteMeEndpoint.Handle).WaitsForUsers().CostsAPasswordHash().LimitedLikeAuth().Validates(DeleteMeEndpoint.Rules, absent: new DeleteMeRequest(null))
            .Documented("deleteMe", "Delete your account", "Needs the current password. Every session ends; the security trail keeps its entries without the account's data.")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        users.MapGet("/me/export", ExportMeEndpoint.Handle).WaitsForUsers()
            .Documented("exportMe", "Your data in one document", "The account, its sessions, its security trail and the e-mails sent to it.")
            .Produces<AccountExport>().ProducesProblem(StatusCodes.Status401Unauthorized);
        users.MapGet("/me/security-events", ListSecurityEventsEndpoint.Mine).WaitsForUsers()
            .Documented("listMySecurityEvents", "Your security trail", "Logins, lockouts, password changes and ended sessions, newest first, paged.")
            .Produces<Modular.Gateway.Users.SecurityEventPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);
        users.MapGet("/{id}/security-events", ListSecurityEventsEndpoint.OfUser).WaitsForUsers().RequireAuthorization(AdminPolicy)
            .Documented("listSecurityEvents", "A user's security trail (admin)", "As listMySecurityEvents, for any user.")
            .Produces<Modular.Gateway.Users.SecurityEventPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapGet("/", ListUsersEndpoint.Handle).WaitsForUsers().RequireAuthorization(AdminPolicy)
            .Documented("listUsers", "Every user (admin)", "Paged with `page` (from 1) and `pageSize` (20 by default).")
            .Produces<Modular.Gateway.Users.UserPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);
        users.MapGet("/{id}", GetUserEndpoint.Handle).WithMetadata(UserProfiles.ReadsOwnProfile.Instance)
            .Documented("getUser", "One user (admin, or yourself)", "Your own id is answered from the gateway's read model; another user's needs the admin role.")
            .Produces<Modular.Gateway.Users.User>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
