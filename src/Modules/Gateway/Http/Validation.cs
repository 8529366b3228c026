using System.Net.Mail;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Modular.Gateway.Http;

internal static partial class Validation
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 128;

    /// <summary>
    /// The route's body of type <typeparamref name="T"/> must pass <paramref name="rules"/> before its handler runs: a 400
    /// problem with the fields at fault otherwise. An optional body that is absent is checked as <paramref name="absent"/>.
    /// Each endpoint keeps its rules beside its handler, as <c>Rules</c>; GatewayModule names them where it maps the route.
    /// </summary>
    public static RouteHandlerBuilder Validates<T>(this RouteHandlerBuilder route, IValidator<T> rules, T? absent = null) where T : class =>
        route.AddEndpointFilter(async (context, next) =>
            (context.Arguments.OfType<T>().FirstOrDefault() ?? absent) is { } request && rules.Validate(request) is { IsValid: false } invalid
                ? invalid.ToProblem()
                : await next(context));

    /// <summary>A 400 problem with an <c>errors</c> map keyed by the JSON field names.</summary>
    public static IResult ToProblem(this ValidationResult result) =>
        TypedResults.ValidationProblem(result.Errors
            .GroupBy(e => JsonName(e.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).ToArray()));

    public static IRuleBuilderOptions<T, string?> ValidEmail<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().WithMessage("E-mail is required.")
            .NoControlCharacters()
            .Must(BeAnEmailAddress).WithMessage("E-mail is not a valid address.");

    /// <summary>
    /// NUL, CR, LF and every other C0 or C1 control, and the bidirectional controls, are refused in what reaches
    /// PostgreSQL, a header or an e-mail: PostgreSQL rejects NUL (it was a 500), a CR or LF could forge a line of
    /// an e-mail, a bidi control can make an address or a name read as another.
    /// </summary>
    public static IRuleBuilderOptions<T, string?> NoControlCharacters<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(value => value is null || !value.Any(IsControl)).WithMessage("Control characters are not allowed.");

    internal static bool IsControl(char c) =>
        char.IsControl(c) || c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    public static IRuleBuilderOptions<T, string?> ValidNewPassword<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().WithMessage("Password is required.")
            .Length(MinPasswordLength, MaxPasswordLength)
            .WithMessage($"Password must be {MinPasswordLength} to {MaxPasswordLength} characters long.");

    private static bool BeAnEmailAddress(string? email)
    {
        var trimmed = email?.Trim() ?? "";
        return trimmed.Length <= 254
            // ASCII only, no quoted local part: a Cyrillic 'а' must not make a second "admin@example.com", and
            // an internationalized domain is written in its xn-- form.
            && PlainAddress().IsMatch(trimmed)
            && MailAddress.TryCreate(trimmed, out var address)
            && address.Address == trimmed
            && address.DisplayName == ""
            && address.Host.Contains('.');
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$")]
    private static partial System.Text.RegularExpressions.Regex PlainAddress();

    private static string JsonName(string property) =>
        property.Length == 0 ? property : char.ToLowerInvariant(property[0]) + property[1..];
}
