using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Users;

public sealed record DeleteMeRequest(string? CurrentPassword);

internal static class DeleteMeEndpoint
{
    public static readonly IValidator<DeleteMeRequest> Rules = new Validator();

    // DELETE bodies are not inferred; an empty JSON body gets the same 400 as one without the password.
    public static async Task<IResult> Handle(
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] DeleteMeRequest? request, HttpContext http, ClaimsPrincipal principal, IMessageBus bus, UserProfiles profiles,
        CancellationToken ct)
    {
        var session = principal.Session();
        var userId = session.UserId;
        var result = await bus.InvokeAsync<UserResult>(new DeleteUser(userId, request!.CurrentPassword!, RequestClient.From(http, session.Family), http.IdempotencyKeyForUsers()), ct);
        if (result.Failure == UserFailure.InvalidCredentials) return Problems.Invalid("currentPassword", "The current password is wrong.");
        if (result.User is null) return Problems.AccountGone();

        await profiles.DeletedAsync(userId);
        return TypedResults.NoContent();
    }

    private sealed class Validator : AbstractValidator<DeleteMeRequest>
    {
        public Validator() => RuleFor(r => r.CurrentPassword).NotEmpty().WithMessage("The current password is required.")
            .MaximumLength(Validation.MaxPasswordLength);
    }
}
