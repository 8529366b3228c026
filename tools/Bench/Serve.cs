using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Modular.Bench;

/// <summary>
/// The physical limit of this machine for the gateway's kind of work: Kestrel and a minimal-API endpoint
/// that serializes an object of the size of a user body, with nothing else in the pipeline
/// (Production, no logging). Every HTTP figure of the bench is a ratio to this one.
/// </summary>
internal static class Serve
{
    // The shape and size of the body of GET /api/v1/auth/me (Modular.Users.Contracts.UserDetails).
    private sealed record UserBody(Guid Id, string Email, string Name, string[] Roles, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    public static async Task<int> RunAsync(Options options)
    {
        var port = options.Int("port", 0);
        if (port == 0) throw new ArgumentException("--port is required");

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));

        var app = builder.Build();
        var now = DateTimeOffset.UtcNow;
        var body = new UserBody(Guid.CreateVersion7(now), "bench.user-0001@bench.test", "Bench User", ["user"], now, now);
        app.MapGet("/json", () => TypedResults.Ok(body));
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" }));

        await app.RunAsync();
        return 0;
    }
}
