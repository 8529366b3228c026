using FluentValidation;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Users;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

public sealed record RegisterRequest(string? Email, string? Password, string? Name) : IEmailRequest;

internal static class RegisterEndpoint
{
    public const int MaxNameLength = 100;

    public static readonly IValidator<RegisterRequest> Rules = new RegisterValidator();

    public static async Task<IResult> Handle(RegisterRequest request, HttpContext http, IMessageBus bus, TokenIssuer tokens, UserProfiles profiles, CancellationToken ct)
    {
        var client = RequestClient.From(http, sessionId: SessionTokens.NewId());
        var result = await bus.InvokeAsync<UserResult>(new RegisterUser(request.Email!, request.Password!, request.Name, client, http.IdempotencyKeyForUsers()), ct);
        if (result.Failure == UserFailure.EmailTaken)
            return Problems.Conflict("E-mail already registered", "An account with this e-mail address exists. Log in instead.");

        await profiles.StoreAsync(result.User!);
        var pair = await tokens.OpenSessionAsync(result.User!, client);
        return TypedResults.Created($"/api/v1/users/{pair.User.Id}", pair);
    }

    private sealed class RegisterValidator : AbstractValidator<RegisterRequest>
    {
        public RegisterValidator()
        {
            RuleFor(r => r.Email).ValidEmail();
            RuleFor(r => r.Password).ValidNewPassword();
            RuleFor(r => r.Name).MaximumLength(MaxNameLength).NoControlCharacters();
        }
    }
}
