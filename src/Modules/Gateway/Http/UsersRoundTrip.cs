using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Modular.BuildingBlocks.Hosting;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Http;

/// <summary>
/// Readiness of a gateway that reaches Users through Kafka: a request goes to Users and its reply comes back to
/// this process. Until then the gateway's reply subscription may not be assigned yet, or Users' consumers not, and
/// the first client requests would wait for replies that never reach it (a 504 for an account that was created).
/// A success counts for <see cref="Fresh"/>, so that probes do not each cost a round trip; after that the next
/// probe asks again, and a gateway that cannot get an answer from Users stops taking traffic it could only time out on.
/// In one process (Users in-process) there is nothing to wait for.
/// </summary>
internal sealed class UsersRoundTrip(HostRole role, IServiceScopeFactory scopes, TimeProvider clock) : IHealthCheck
{
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);

    private DateTimeOffset _lastSuccess = DateTimeOffset.MinValue;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        if (role.Transport is null || role.RunsOwnerOf(typeof(GetUser))) return HealthCheckResult.Healthy("Users runs in this process");
        if (clock.GetUtcNow() - _lastSuccess < Fresh) return HealthCheckResult.Healthy("a request to Users came back");

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            // No such user: a read that changes nothing, answered NotFound by Users through this process's reply topic.
            await scope.ServiceProvider.GetRequiredService<IMessageBus>()
                .InvokeAsync<UserResult>(new GetUser(Guid.Empty), ct, HealthEndpoints.CheckTimeout);
            _lastSuccess = clock.GetUtcNow();
            return HealthCheckResult.Healthy("a request to Users came back");
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("no reply from Users yet (its consumers or this gateway's reply subscription are not assigned, or Users is down)");
        }
    }
}
