using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Modular.BuildingBlocks.Http;

/// <summary>
/// Turns every exception that escapes an endpoint into an RFC 9457 problem: a client error keeps its
/// 4xx status, anything else is a 500 without internals. Never a stack trace in the body.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", ClientMessage(bad)),
            DependencyUnavailableException down => (StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                $"{down.Dependency} cannot be reached; retry shortly."),
            Wolverine.WolverineHasNotStartedException => (StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                "The service is still starting; retry shortly."),
            TimeoutException => (StatusCodes.Status504GatewayTimeout, "Upstream timeout",
                "A module did not answer in time; the request may be retried."),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error", null),
        };

        if (status >= 500) logger.LogError(exception, "Request {Method} {Path} failed", context.Request.Method, context.Request.Path);
        else logger.LogInformation("Rejected {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, exception.Message);

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    // The framework's messages for body binding name the parameter and the JSON path, which is
    // what a client needs; the inner JsonException message is kept out (it can echo input).
    private static string ClientMessage(BadHttpRequestException bad) =>
        bad.InnerException is System.Text.Json.JsonException json
            ? $"The request body is not valid JSON for this endpoint{(json.Path is { } path ? $" (at {path})" : "")}."
            : bad.Message;
}
