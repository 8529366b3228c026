using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Http;
using Wolverine;

namespace Modular.Gateway.Http;

/// <summary>
/// The gateway's requests to Users that wait for an answer. Each is admitted only while Users keeps up
/// (<see cref="UsersBacklog"/>); otherwise the client gets an immediate 503 with <c>Retry-After</c> instead of a place
/// in a queue that would end in a 504 after <c>REQUEST_TIMEOUT</c> (docs/adr/0019).
/// </summary>
internal sealed class UsersClient(IMessageBus bus, UsersBacklog backlog)
{
    public async Task<T> InvokeAsync<T>(object request, CancellationToken ct)
    {
        using var admitted = backlog.Admit();
        return await bus.InvokeAsync<T>(request, ct);
    }
}

/// <summary>
/// The requests this gateway process is waiting on Users for, oldest first. When the oldest has waited longer than
/// <see cref="Target"/> (half of <c>REQUEST_TIMEOUT</c>), Users is not keeping up: its queue holds at least that much
/// work ahead of a new request, which would most likely time out after the client waited for nothing, and whose
/// message would add to the very queue that is too deep. New requests are refused until the oldest is answered or
/// gives up. The age of the oldest waiting request measures the queue in the unit that matters (time), whatever
/// Users' speed, replica count or CPU limit: no count to tune (the idea of CoDel's sojourn time).
/// </summary>
internal sealed class UsersBacklog(HostRole role, TimeProvider clock)
{
    /// <summary>The <c>Retry-After</c> of a refused request, in seconds.</summary>
    public const int RetryAfterSeconds = 1;

    private readonly LinkedList<long> _waiting = new();
    private readonly Lock _lock = new();

    public TimeSpan Target { get; } = role.RequestTimeout / 2;

    /// <summary>Counts a request as waiting until disposed, or throws <see cref="DependencyBusyException"/> when Users is behind.</summary>
    public Waiting Admit()
    {
        var now = clock.GetTimestamp();
        lock (_lock)
        {
            if (_waiting.First is { } oldest && clock.GetElapsedTime(oldest.Value, now) > Target)
                throw new DependencyBusyException("Users", RetryAfterSeconds);
            return new Waiting(this, _waiting.AddLast(now));
        }
    }

    internal readonly struct Waiting(UsersBacklog backlog, LinkedListNode<long> node) : IDisposable
    {
        public void Dispose()
        {
            lock (backlog._lock) backlog._waiting.Remove(node);
        }
    }
}
