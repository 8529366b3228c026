using Microsoft.AspNetCore.Http;
using Modular.Gateway.Http;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;
using Wolverine;

namespace Modular.Gateway.Auth;

public sealed record RefreshRequest(string? RefreshToken);

internal static class RefreshEndpoint
{
    public static async Task<IResult> Handle(
        RefreshRequest request, HttpContext http, IMessageBus bus, TokenIssuer tokens, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken)) return Problems.Invalid("refreshToken", "The refresh token is required.");
        if (await tokens.ReadRefreshTokenAsync(request.RefreshToken) is not { } presented)
            return Problems.Unauthorized("The refresh token is invalid or expired.");

        // The user first: a failure here must not consume the presented token.
        if ((await bus.InvokeAsync<UserResult>(new GetUser(presented.UserId), ct)).User is not { } user) return Problems.AccountGone();

        var (pair, verdict) = await tokens.RotateAsync(user, presented);
        if (pair is not null) return TypedResults.Ok(pair);
        if (verdict != TokenStore.Reused) return Problems.Unauthorized("This session was revoked.");

        await SecurityEvents.RecordAsync(bus, user.Id, SecurityEventTypes.RefreshTokenReused, RequestClient.From(http, presented.Family));
        return Problems.Unauthorized("This refresh token was used before: its whole session is now revoked.");
    }
}
