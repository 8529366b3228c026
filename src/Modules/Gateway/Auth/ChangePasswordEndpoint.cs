using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Users;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

internal static class ChangePasswordEndpoint
{
    public static readonly IValidator<ChangePasswordRequest> Rules = new Validator();

    public static async Task<IResult> Handle(
        ChangePasswordRequest request, HttpContext http, ClaimsPrincipal principal, IMessageBus bus, TokenStore store, UserProfiles profiles, JwtSettings settings,
        CancellationToken ct)
    {
        var session = principal.Session();
        var result = await bus.InvokeAsync<UserResult>(new ChangePassword(session.UserId, request.CurrentPassword!, request.NewPassword!,
            RequestClient.From(http, session.Family), http.IdempotencyKeyForUsers()), ct);
        if (result.Failure == UserFailure.InvalidCredentials) return Problems.Invalid("currentPassword", "The current password is wrong.");
        if (result.User is null) return Problems.AccountGone();
        await profiles.StoreAsync(result.User);

        // Whoever knew the old password is signed out everywhere but here.
        await store.RevokeUserSessionsAsync(session.UserId, keepFamily: session.Family, settings.RefreshLifetime);
        return TypedResults.NoContent();
    }

    private sealed class Validator : AbstractValidator<ChangePasswordRequest>
    {
        public Validator()
        {
            RuleFor(r => r.CurrentPassword).NotEmpty().WithMessage("The current password is required.")
                .MaximumLength(Validation.MaxPasswordLength);
            RuleFor(r => r.NewPassword).ValidNewPassword();
        }
    }
}
