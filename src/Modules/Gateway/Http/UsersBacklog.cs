using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Modular.Gateway.Http;

/// <summary>
/// Backpressure in front of Users (docs/adr/0023): the requests of this gateway that wait for Users, oldest first.
/// Users is behind when its answers have all been slow for a while: the oldest request still waiting has waited longer
/// than <see cref="Target"/> (three quarters of <c>REQUEST_TIMEOUT</c>) and no answer came back within <see cref="Target"/> for
/// as long. Then a new request is refused at once with 503 and <c>Retry-After</c> instead of joining a queue it would
/// leave by a 504 (the request to Users carries its deadline, so one that expires queued is dropped there, never run).
/// The target is close to the timeout on purpose: a busy but healthy Users (a burst of password hashes on a loaded
/// machine) answers within the timeout and is never refused; only a Users that lets requests expire is.
/// One slow request among prompt ones (a large export, a lost reply) is no backlog: the prompt answers say so.
/// </summary>
internal sealed class UsersBacklog(TimeSpan requestTimeout, TimeProvider clock)
{
    private readonly LinkedList<long> _waiting = [];
    private long _lastPromptAnswer = clock.GetTimestamp();

    /// <summary>The queue delay past which Users counts as behind: three quarters of <c>REQUEST_TIMEOUT</c>.</summary>
    public TimeSpan Target { get; } = requestTimeout * 3 / 4;

    /// <summary>What <c>Retry-After</c> says: by then the requests that are queued now are answered or expired.</summary>
    public int RetryAfterSeconds => (int)Math.Ceiling(Target.TotalSeconds);

    /// <summary>A place in the queue, or null when Users is behind and the request is to be refused.</summary>
    public LinkedListNode<long>? TryEnter()
    {
        lock (_waiting)
        {
            if (_waiting.First is { } oldest && clock.GetElapsedTime(oldest.Value) > Target
                                             && clock.GetElapsedTime(_lastPromptAnswer) > Target)
                return null;
            return _waiting.AddLast(clock.GetTimestamp());
        }
    }

    /// <summary>The request got its answer (or gave up): it leaves the queue, and a prompt answer says Users keeps up.</summary>
    public void Leave(LinkedListNode<long> place)
    {
        lock (_waiting)
        {
            if (clock.GetElapsedTime(place.Value) <= Target) _lastPromptAnswer = clock.GetTimestamp();
            _waiting.Remove(place);
        }
    }
}

internal static class UsersBacklogEndpoints
{
    private static readonly Counter Refused = Metrics.CreateCounter("modular_gateway_users_backpressure_total",
        "Requests the gateway refused with 503 because Users was behind (its answers slower than three quarters of REQUEST_TIMEOUT).");

    /// <summary>The endpoint waits for Users: it takes a place in this gateway's queue, or answers 503 when Users is behind.</summary>
    public static RouteHandlerBuilder WaitsForUsers(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var backlog = context.HttpContext.RequestServices.GetRequiredService<UsersBacklog>();
            if (backlog.TryEnter() is not { } place)
            {
                Refused.Inc();
                context.HttpContext.Response.Headers.RetryAfter = backlog.RetryAfterSeconds.ToString();
                return Problems.UsersBehind(backlog.RetryAfterSeconds);
            }
            try
            {
                return await next(context);
            }
            finally
            {
                backlog.Leave(place);
            }
        });
}
