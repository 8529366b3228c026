using System.Reflection;
using Microsoft.AspNetCore.Http;
using Modular.Gateway;

namespace Modular.UnitTests.Architecture;

/// <summary>
/// One vocabulary from URL to type: every HTTP endpoint of the gateway is a static class named after its route with the
/// suffix <c>Endpoint</c>, in the namespace of its route's first segment (<c>/api/v1/auth/*</c> in
/// <c>Modular.Gateway.Auth</c>, <c>/api/v1/users/*</c> in <c>Modular.Gateway.Users</c>), so a message contract of the
/// same noun (<c>ChangePassword</c>, <c>GetUser</c>) never shares its name.
/// </summary>
public sealed class EndpointNamingTests
{
    private static readonly Type[] Endpoints = typeof(GatewayModule).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: true, IsSealed: true } && !t.IsNested)
        .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Any(m => m.ReturnType == typeof(Task<IResult>)))
        .ToArray();

    [Fact]
    public void the_gateway_has_its_endpoints()
    {
        Endpoints.Length.ShouldBeGreaterThan(15);
    }

    [Fact]
    public void every_endpoint_is_named_after_its_route_with_the_suffix_Endpoint()
    {
        Endpoints.Where(t => !t.Name.EndsWith("Endpoint", StringComparison.Ordinal)).Select(t => t.FullName).ShouldBeEmpty();
    }

    [Fact]
    public void every_endpoint_lives_in_the_namespace_of_its_route()
    {
        Endpoints.Where(t => t.Namespace is not ("Modular.Gateway.Auth" or "Modular.Gateway.Users")).Select(t => t.FullName).ShouldBeEmpty();
    }

    [Fact]
    public void no_type_outside_the_endpoints_is_named_like_one()
    {
        typeof(GatewayModule).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Endpoint", StringComparison.Ordinal) && !Endpoints.Contains(t))
            .Select(t => t.FullName).ShouldBeEmpty();
    }
}
