namespace Modular.BuildingBlocks.Http;

/// <summary>A dependency a request needs (Redis, a module behind Kafka) cannot be reached: the answer is 503, not 500.</summary>
public sealed class DependencyUnavailableException(string dependency, Exception inner)
    : Exception($"{dependency} is unavailable", inner)
{
    public string Dependency { get; } = dependency;
}
