using FluentValidation;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Users;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

public sealed record ResetPasswordRequest(string? Token, string? NewPassword);

internal static class ResetPasswordEndpoint
{
    public static readonly IValidator<ResetPasswordRequest> Rules = new Validator();

    public static async Task<IResult> Handle(
        ResetPasswordRequest request, HttpContext http, IMessageBus bus, TokenStore store, UserProfiles profiles, JwtSettings settings, CancellationToken ct)
    {
        var result = await bus.InvokeAsync<UserResult>(new ResetPassword(request.Token!, request.NewPassword!, RequestClient.From(http), http.IdempotencyKeyForUsers()), ct);
        if (result.User is not { } user) return Problems.Invalid("token", "The reset token is invalid, expired or already used.");

        await profiles.StoreAsync(user);
        await store.RevokeUserSessionsAsync(user.Id, keepFamily: null, settings.RefreshLifetime);
        return TypedResults.NoContent();
    }

    private sealed class Validator : AbstractValidator<ResetPasswordRequest>
    {
        public Validator()
        {
            RuleFor(r => r.Token).NotEmpty().WithMessage("The reset token is required.").MaximumLength(200);
            RuleFor(r => r.NewPassword).ValidNewPassword();
        }
    }
}
