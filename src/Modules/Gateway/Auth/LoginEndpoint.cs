using FluentValidation;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Users;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

public sealed record LoginRequest(string? Email, string? Password) : IEmailRequest;

internal static class LoginEndpoint
{
    public static readonly IValidator<LoginRequest> Rules = new LoginValidator();

    public static async Task<IResult> Handle(LoginRequest request, HttpContext http, IMessageBus bus, TokenIssuer tokens, UserProfiles profiles,
        SecurityEvents security, LoginSettings settings, CancellationToken ct)
    {
        var client = RequestClient.From(http, sessionId: SessionTokens.NewId());
        var result = await bus.InvokeAsync<UserResult>(new VerifyCredentials(request.Email!, request.Password!, client), ct);
        // The same answer whether the e-mail is unknown or the password wrong.
        if (result.User is null)
        {
            security.FailedLogin(request.Email!.Trim());
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid credentials",
                detail: "The e-mail or the password is wrong.");
        }

        await profiles.StoreAsync(result.User);
        // Only after the right password: to anyone else an unverified account looks like any other.
        if (settings.RequireVerifiedEmail && !result.User.EmailVerified) return Problems.EmailNotVerified();
        return TypedResults.Ok(await tokens.OpenSessionAsync(result.User, client));
    }

    private sealed class LoginValidator : AbstractValidator<LoginRequest>
    {
        public LoginValidator()
        {
            RuleFor(r => r.Email).NotEmpty().WithMessage("E-mail is required.").NoControlCharacters().MaximumLength(254);
            RuleFor(r => r.Password).NotEmpty().WithMessage("Password is required.")
                .MaximumLength(Validation.MaxPasswordLength);
        }
    }
}
