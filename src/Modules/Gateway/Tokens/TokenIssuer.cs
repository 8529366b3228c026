using Modular.Users.Contracts;

namespace Modular.Gateway.Tokens;

/// <summary>
/// Opens and rotates sessions: the session's state in the store (<see cref="TokenStore"/>), then its tokens
/// (<see cref="SessionTokens"/>, the pure rules of what a token says and how long it lives).
/// </summary>
internal sealed class TokenIssuer(JwtSettings settings, TokenStore store, TimeProvider clock)
{
    /// <summary>A new session (register, login): a new family.</summary>
    /// <param name="client">Who opened it; its <see cref="RequestOrigin.SessionId"/>, when set, is the new family (the trail names it).</param>
    public async Task<TokenPair> OpenSessionAsync(UserDetails user, RequestOrigin client)
    {
        var family = client.SessionId ?? SessionTokens.NewId();
        var refreshId = SessionTokens.NewId();
        var now = clock.GetUtcNow();
        var generation = await store.OpenSessionAsync(user.Id, family, refreshId, settings.RefreshLifetime, settings.SessionMaxLifetime,
            now, SessionTokens.RefreshExpiry(settings, now, now), client);
        return SessionTokens.Issue(settings, user, family, refreshId, generation, now, now);
    }

    /// <summary>
    /// Rotates the refresh token <paramref name="presented"/> (<see cref="TokenStore.RotateAsync"/>): the next pair of its
    /// session, or null with the store's verdict (<see cref="TokenStore.Revoked"/>, <see cref="TokenStore.Reused"/>).
    /// </summary>
    public async Task<(TokenPair? Pair, long Verdict)> RotateAsync(UserDetails user, SessionClaims presented)
    {
        var newRefreshId = SessionTokens.NewId();
        var now = clock.GetUtcNow();
        var generation = await store.RotateAsync(presented, newRefreshId, settings.RefreshLifetime, now,
            SessionTokens.RefreshExpiry(settings, now, presented.SessionStartedAt));
        return generation < 0
            ? (null, generation)
            : (SessionTokens.Issue(settings, user, presented.Family, newRefreshId, generation, presented.SessionStartedAt, now), generation);
    }

    /// <summary>Reads a refresh token (<see cref="SessionTokens.ReadRefreshTokenAsync"/>).</summary>
    public Task<SessionClaims?> ReadRefreshTokenAsync(string token) => SessionTokens.ReadRefreshTokenAsync(settings, token);
}

/// <summary>The body of a successful register, login or refresh.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn, Modular.Gateway.Users.User User);
