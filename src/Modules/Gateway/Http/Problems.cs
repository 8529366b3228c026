using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Modular.Users.Contracts;

namespace Modular.Gateway.Http;

/// <summary>The gateway's RFC 9457 answers, worded once.</summary>
internal static class Problems
{
    public static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>The problem type a client can tell this 403 by: it should offer to resend the verification e-mail.</summary>
    public const string EmailNotVerifiedType = "https://modular.dev/problems/email-not-verified";

    public static ProblemHttpResult EmailNotVerified() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "E-mail not verified", type: EmailNotVerifiedType,
            detail: "Follow the link of the welcome e-mail to verify the address, then log in again.");

    /// <summary>The 400 for a page or page size out of range, or null when both are fine.</summary>
    public static ValidationProblem? InvalidPage(int page, int pageSize) =>
        page < 1 ? Invalid("page", "The page must be 1 or more.")
        : pageSize is < 1 or > Paging.MaxPageSize ? Invalid("pageSize", $"The page size must be between 1 and {Paging.MaxPageSize}.")
        : null;

    /// <summary>Users lets requests expire (<see cref="UsersBacklog"/>): refused at once rather than a 504 later.</summary>
    public static ProblemHttpResult UsersBehind(int retryAfterSeconds) =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy",
            detail: $"Users is behind with its requests; try again in {retryAfterSeconds} s.");

    /// <summary>A valid token whose account is gone is no session at all.</summary>
    public static ProblemHttpResult AccountGone() => Unauthorized("The account of this token no longer exists.");
}
