using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Modular.Users.Contracts;

namespace Modular.Gateway.Tokens;

/// <summary>
/// Issues and reads HS256 token pairs. The two kinds differ in key and in the <c>typ</c> header, so
/// neither is ever accepted as the other. Both carry the session (<c>fam</c>: the family of every
/// refresh token rotated from one login) and the user's revocation generation (<c>gen</c>, see <see cref="TokenStore"/>).
/// </summary>
internal sealed class TokenIssuer(JwtSettings settings, TokenStore store, TimeProvider clock)
{
    public const string AccessTokenType = "at+jwt";
    public const string RefreshTokenType = "rt+jwt";
    public const string FamilyClaim = "fam";
    public const string GenerationClaim = "gen";
    public const string RoleClaim = "role";
    /// <summary>When the session began (its login), in Unix seconds: no token of the session outlives it by more than the maximum.</summary>
    public const string SessionStartClaim = "sst";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false, MapInboundClaims = false };

    /// <summary>A new session (register, login): a new family.</summary>
    /// <param name="client">Who opened it; its <see cref="RequestOrigin.SessionId"/>, when set, is the new family (the trail names it).</param>
    public async Task<TokenPair> OpenSessionAsync(UserDetails user, RequestOrigin client)
    {
        var family = client.SessionId ?? NewId();
        var refreshId = NewId();
        var now = clock.GetUtcNow();
        var generation = await store.OpenSessionAsync(user.Id, family, refreshId, settings.RefreshLifetime, settings.SessionMaxLifetime,
            now, RefreshExpiry(now, now), client);
        return Pair(user, family, refreshId, generation, now);
    }

    /// <summary>
    /// Rotates the refresh token <paramref name="presented"/> (<see cref="TokenStore.RotateAsync"/>): the next pair of its
    /// session, or null with the store's verdict (<see cref="TokenStore.Revoked"/>, <see cref="TokenStore.Reused"/>).
    /// </summary>
    public async Task<(TokenPair? Pair, long Verdict)> RotateAsync(UserDetails user, SessionClaims presented)
    {
        var newRefreshId = NewId();
        var now = clock.GetUtcNow();
        var generation = await store.RotateAsync(presented, newRefreshId, settings.RefreshLifetime, now,
            RefreshExpiry(now, presented.SessionStartedAt));
        return generation < 0 ? (null, generation) : (Pair(user, presented.Family, newRefreshId, generation, presented.SessionStartedAt), generation);
    }

    /// <summary>When a refresh token issued at <paramref name="now"/> expires: its lifetime, cut at the session's maximum.</summary>
    private DateTimeOffset RefreshExpiry(DateTimeOffset now, DateTimeOffset sessionStartedAt) =>
        now + Until(now, settings.RefreshLifetime, sessionStartedAt + settings.SessionMaxLifetime);

    /// <summary>Reads a refresh token: signed with the refresh key, of the refresh type, unexpired. Null otherwise.</summary>
    public async Task<SessionClaims?> ReadRefreshTokenAsync(string token)
    {
        var result = await Handler.ValidateTokenAsync(token, Validation(settings.RefreshSecret, RefreshTokenType));
        return result.IsValid ? SessionClaims.From(result.ClaimsIdentity) : null;
    }

    public static TokenValidationParameters AccessValidation(JwtSettings settings) => Validation(settings.AccessSecret, AccessTokenType);

    public static string NewId() => Guid.NewGuid().ToString("N");

    private TokenPair Pair(UserDetails user, string family, string refreshId, long generation, DateTimeOffset sessionStartedAt)
    {
        var now = clock.GetUtcNow();
        var gen = generation.ToString(CultureInfo.InvariantCulture);
        // A refresh renews the tokens, not the session: nothing outlives the session's maximum lifetime.
        var sessionEnds = sessionStartedAt + settings.SessionMaxLifetime;
        var sst = sessionStartedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var accessLifetime = Until(now, settings.AccessLifetime, sessionEnds);
        var access = Create(settings.AccessSecret, AccessTokenType, now, accessLifetime,
        [
            new Claim(JwtRegisteredClaimNames.Sub, user.Id.ToString()),
            new Claim(JwtRegisteredClaimNames.Email, user.Email),
            new Claim(JwtRegisteredClaimNames.Jti, NewId()),
            new Claim(FamilyClaim, family),
            new Claim(GenerationClaim, gen, ClaimValueTypes.Integer64),
            .. user.Roles.Select(role => new Claim(RoleClaim, role)),
        ]);
        var refresh = Create(settings.RefreshSecret, RefreshTokenType, now, Until(now, settings.RefreshLifetime, sessionEnds),
        [
            new Claim(JwtRegisteredClaimNames.Sub, user.Id.ToString()),
            new Claim(JwtRegisteredClaimNames.Jti, refreshId),
            new Claim(FamilyClaim, family),
            new Claim(GenerationClaim, gen, ClaimValueTypes.Integer64),
            new Claim(SessionStartClaim, sst, ClaimValueTypes.Integer64),
        ]);
        return new TokenPair(access, refresh, "Bearer", (int)accessLifetime.TotalSeconds, Modular.Gateway.Users.User.From(user));
    }

    private static TimeSpan Until(DateTimeOffset now, TimeSpan lifetime, DateTimeOffset sessionEnds) =>
        TimeSpan.FromSeconds(Math.Max(1, Math.Min(lifetime.TotalSeconds, (sessionEnds - now).TotalSeconds)));

    private static TokenValidationParameters Validation(byte[] key, string type) => new()
    {
        ValidIssuer = JwtSettings.Issuer,
        ValidAudience = JwtSettings.Audience,
        IssuerSigningKey = new SymmetricSecurityKey(key),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidTypes = [type],
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = TimeSpan.FromSeconds(5),
        NameClaimType = JwtRegisteredClaimNames.Sub,
        RoleClaimType = RoleClaim,
    };

    private static string Create(byte[] key, string type, DateTimeOffset now, TimeSpan lifetime, Claim[] claims) =>
        Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = JwtSettings.Issuer,
            Audience = JwtSettings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = now.Add(lifetime).UtcDateTime,
            TokenType = type,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
}

/// <summary>What the gateway needs of a validated token: whose, which session, which token, which generation, until when.</summary>
internal sealed record SessionClaims(Guid UserId, string Family, string TokenId, long Generation, DateTimeOffset ExpiresAt,
    DateTimeOffset SessionStartedAt)
{
    /// <summary>Null when a claim is missing or malformed: such a token was not issued by this gateway's code.</summary>
    public static SessionClaims? From(ClaimsIdentity identity)
    {
        var sub = identity.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
        var family = identity.FindFirst(TokenIssuer.FamilyClaim)?.Value;
        var jti = identity.FindFirst(JwtRegisteredClaimNames.Jti)?.Value;
        var gen = identity.FindFirst(TokenIssuer.GenerationClaim)?.Value;
        var exp = identity.FindFirst(JwtRegisteredClaimNames.Exp)?.Value;
        // Access tokens carry no session start, and refresh tokens issued before it existed neither: their iat stands in.
        var started = identity.FindFirst(TokenIssuer.SessionStartClaim)?.Value ?? identity.FindFirst(JwtRegisteredClaimNames.Iat)?.Value;
        return Guid.TryParse(sub, out var userId) && !string.IsNullOrEmpty(family) && !string.IsNullOrEmpty(jti)
            && long.TryParse(gen, CultureInfo.InvariantCulture, out var generation)
            && long.TryParse(exp, CultureInfo.InvariantCulture, out var expires)
            && long.TryParse(started, CultureInfo.InvariantCulture, out var startedAt)
                ? new SessionClaims(userId, family, jti, generation, DateTimeOffset.FromUnixTimeSeconds(expires),
                    DateTimeOffset.FromUnixTimeSeconds(startedAt))
                : null;
    }

    public static SessionClaims? From(ClaimsPrincipal principal) =>
        principal.Identity is ClaimsIdentity { IsAuthenticated: true } identity ? From(identity) : null;
}

/// <summary>The body of a successful register, login or refresh.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn, Modular.Gateway.Users.User User);
