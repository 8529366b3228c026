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

    [Fact]
    public void every_body_the_api_answers_with_is_the_gateways_own_record_never_a_message_between_modules()
    {
        var bodies = app.Gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .SelectMany(e => e.Metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>())
            .Select(p => p.Type).OfType<Type>().Distinct().ToList();
        bodies.ShouldContain(typeof(Modular.Gateway.Users.AccountExport)); // the walk reads the declared bodies at all

        var contracts = bodies.SelectMany(t => Reachable(t, [])).Where(t => t.Assembly.GetName().Name!.EndsWith(".Contracts")).Distinct();
        contracts.ShouldBeEmpty("a change to a message between the modules would change the API (map it to a record in Modular.Gateway)");
    }

    /// <summary>The type, its public properties' types and their element types, recursively.</summary>
    private static IEnumerable<Type> Reachable(Type type, HashSet<Type> seen)
    {
        if (!seen.Add(type) || type.Assembly == typeof(object).Assembly && !type.IsGenericType) return [];
        var parts = type.IsGenericType ? type.GetGenericArguments()
            : type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.PropertyType);
        return parts.SelectMany(p => Reachable(p, seen)).Prepend(type);
    }

    /// <summary>"GET /api/v1/users/me" is a route of Users.</summary>
    private static string Noun(string route)
    {
        var noun = route.Split('/')[3];
        return char.ToUpperInvariant(noun[0]) + noun[1..];
    }
}
