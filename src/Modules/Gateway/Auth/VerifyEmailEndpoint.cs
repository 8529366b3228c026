using FluentValidation;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Users;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

public sealed record VerifyEmailRequest(string? Token);

internal static class VerifyEmailEndpoint
{
    public static readonly IValidator<VerifyEmailRequest> Rules = new Validator();

    public static async Task<IResult> Handle(VerifyEmailRequest request, HttpContext http, IMessageBus bus, UserProfiles profiles, CancellationToken ct)
    {
        var result = await bus.InvokeAsync<UserResult>(new VerifyEmail(request.Token!, RequestClient.From(http), http.IdempotencyKeyForUsers()), ct);
        if (result.User is not { } user) return Problems.Invalid("token", "The verification token is invalid, expired or already used.");

        await profiles.StoreAsync(user);
        return TypedResults.NoContent();
    }

    private sealed class Validator : AbstractValidator<VerifyEmailRequest>
    {
        public Validator() =>
            RuleFor(r => r.Token).NotEmpty().WithMessage("The verification token is required.").MaximumLength(200).NoControlCharacters();
    }
}
