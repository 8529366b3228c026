namespace Modular.BuildingBlocks.Http;

/// <summary>
/// A dependency is up but too far behind to answer this request in time: the answer is an immediate 503 with
/// <c>Retry-After</c> (load shed), not a 504 after the client waited for the full timeout.
/// </summary>
public sealed class DependencyBusyException(string dependency, int retryAfterSeconds)
    : Exception($"{dependency} is too busy to take the request")
{
    public string Dependency { get; } = dependency;
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}
