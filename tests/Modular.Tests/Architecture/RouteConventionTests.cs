using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Architecture;

/// <summary>
/// One vocabulary from URL to code: the handler of <c>/api/v1/{noun}/…</c> is a method of a class named <c>…Endpoint</c>
/// in the gateway's folder of that noun (<c>Modular.Gateway.Auth</c>, <c>Modular.Gateway.Users</c>), read from the routes
/// the running gateway maps, so a route added elsewhere or named otherwise fails here.
/// </summary>
[Collection(SingleProcessCollection.Name)]
public sealed class RouteConventionTests(SingleProcessApp app)
{
    [Fact]
    public void every_api_route_is_handled_by_an_endpoint_class_in_the_gateway_folder_named_after_its_noun()
    {
        var routes = app.Gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true)
            .Select(e => (Route: $"{e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Single()} {e.RoutePattern.RawText}",
                Handler: e.Metadata.GetMetadata<MethodInfo>()?.DeclaringType))
            .ToList();

        routes.Count.ShouldBeGreaterThanOrEqualTo(20, "the gateway maps every route of the API");
        routes.ShouldAllBe(r => r.Handler != null && r.Handler.Name.EndsWith("Endpoint")
            && r.Handler.Namespace == "Modular.Gateway." + Noun(r.Route), string.Join("\n", routes.Select(r => $"{r.Route}: {r.Handler}")));
    }

    /// <summary>"GET /api/v1/users/me" is a route of Users.</summary>
    private static string Noun(string route)
    {
        var noun = route.Split('/')[3];
        return char.ToUpperInvariant(noun[0]) + noun[1..];
    }
}
