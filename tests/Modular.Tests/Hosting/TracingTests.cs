using Alba;
using Microsoft.AspNetCore.Hosting;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Hosting;

/// <summary>
/// With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, a request can be followed by its correlation id through every module
/// and process: the trace id is the correlation id, and each process exports its spans of that trace.
/// </summary>
public sealed class TracingInSingleProcess
{
    [Fact]
    public async Task a_registration_is_one_trace_from_the_http_request_through_the_messages_to_postgresql_and_redis()
    {
        using var traces = new OtlpReceiver();
        using var mail = new Mailbox();
        var settings = new Dictionary<string, string>(TestEnvironment.SingleProcess(mail.Port))
        {
            ["DATABASE_URL"] = TestEnvironment.DatabaseUrlFor("modular_misc_test"),
        };
        foreach (var (name, value) in traces.Settings) settings[name] = value;
        await using var host = await AlbaHost.For<Program>(web =>
        {
            foreach (var (name, value) in settings) web.UseSetting(name, value);
        });

        var result = await host.PostJsonAsync("/api/v1/auth/register", new { email = $"traced-{Guid.NewGuid():N}@example.com", password = Api.Password }, 201);
        var correlationId = result.Context.Response.Headers["X-Correlation-Id"].ToString();

        (await traces.WaitForSpansAsync(correlationId, "modular", "/api/v1/auth/register", "Wolverine", "postgresql", "redis"))
            .ShouldBeTrue("the request's span, Wolverine's, Npgsql's and Redis' spans of its trace were exported");
    }
}

[Collection(SplitCollection.Name)]
public sealed class TracingInSplitMode(SplitApp app)
{
    [Fact]
    public async Task a_registration_can_be_followed_by_its_correlation_id_through_the_three_services()
    {
        var result = await app.Gateway.PostJsonAsync("/api/v1/auth/register", new { email = $"traced-{Guid.NewGuid():N}@example.com", password = Api.Password }, 201);
        var correlationId = result.Context.Response.Headers["X-Correlation-Id"].ToString();

        foreach (var service in new[] { "gateway", "user-service", "notification-service" })
            (await app.Traces.WaitForSpansAsync(correlationId, service, "Wolverine"))
                .ShouldBeTrue($"{service} exported its spans of the request's trace");
    }
}
