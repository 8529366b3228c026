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
    public static readonly IValidator<UpdateMeRequest> Rules = new Validator();

    public static async Task<IResult> Handle(UpdateMeRequest request, ClaimsPrincipal principal, IMessageBus bus, UserProfiles profiles, CancellationToken ct)
    {
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
