using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

public sealed record RefreshRequest(string? RefreshToken);

internal static class Refresh
{
    public static async Task<IResult> Handle(
        RefreshRequest request, IMessageBus bus, TokenIssuer tokens, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken)) return Problems.Invalid("refreshToken", "The refresh token is required.");
        if (await tokens.ReadRefreshTokenAsync(request.RefreshToken) is not { } presented)
            return Problems.Unauthorized("The refresh token is invalid or expired.");

        // The user first: a failure here must not consume the presented token.
        if ((await bus.InvokeAsync<UserResult>(new GetUser(presented.UserId), ct)).User is not { } user) return Problems.AccountGone();

        return await tokens.RotateAsync(user, presented) switch
        {
            ({ } pair, _) => TypedResults.Ok(pair),
            (_, TokenStore.Reused) => Problems.Unauthorized("This refresh token was used before: its whole session is now revoked."),
            _ => Problems.Unauthorized("This session was revoked."),
        };
    }
}
