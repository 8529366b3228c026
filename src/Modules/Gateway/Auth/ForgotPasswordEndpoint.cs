using FluentValidation;
using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

public sealed record ForgotPasswordRequest(string? Email) : IEmailRequest;

internal static class ForgotPasswordEndpoint
{
    public static readonly IValidator<ForgotPasswordRequest> Rules = new Validator();

    /// <summary>
    /// 202 whether or not the account exists, and as fast either way: the request is only sent to Users,
    /// never awaited, so neither the answer nor its timing tells anything about the account.
    /// </summary>
    public static async Task<IResult> Handle(ForgotPasswordRequest request, IMessageBus bus)
    {
        await bus.SendAsync(new RequestPasswordReset(request.Email!.Trim()));
        return TypedResults.Accepted((string?)null);
    }

    private sealed class Validator : AbstractValidator<ForgotPasswordRequest>
    {
        public Validator() => RuleFor(r => r.Email).ValidEmail();
    }
}
