using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Auth;
using Modular.Gateway.Http;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Users;

public sealed record UpdateMeRequest(string? Name);

internal static class UpdateMeEndpoint
{
    private static readonly Validator Rules = new();

    public static async Task<IResult> Handle(UpdateMeRequest request, ClaimsPrincipal principal, IMessageBus bus, UserProfiles profiles, CancellationToken ct)
    {
        if (Rules.Validate(request) is { IsValid: false } invalid) return invalid.ToProblem();

        var result = await bus.InvokeAsync<UserResult>(new UpdateProfile(principal.Session().UserId, request.Name!.Trim()), ct);
        // Kept before answering: this replica and every other shows the new name from the next request on.
        return result.User is { } user ? UserProfiles.Ok(await profiles.StoreAsync(user)) : Problems.AccountGone();
    }

    private sealed class Validator : AbstractValidator<UpdateMeRequest>
    {
        public Validator() => RuleFor(r => r.Name).Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("The name is required.")
            .MaximumLength(RegisterEndpoint.MaxNameLength).NoControlCharacters();
    }
}
