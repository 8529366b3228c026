using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Modular.Users.Contracts;

namespace Modular.Gateway.Tokens;

/// <summary>
/// What an HS256 token pair says and how long it lives, as plain functions of the settings and the clock's reading. The two
/// kinds differ in key and in the <c>typ</c> header, so neither is ever accepted as the other. Both carry the session
/// (<c>fam</c>: the family of every refresh token rotated from one login) and the user's revocation generation (<c>gen</c>,
/// see <see cref="TokenStore"/>); nothing outlives the session's maximum lifetime.
/// </summary>
internal static class SessionTokens
{
    public const string AccessTokenType = "at+jwt";
    public const string RefreshTokenType = "rt+jwt";
    public const string FamilyClaim = "fam";
    public const string GenerationClaim = "gen";
    public const string RoleClaim = "role";
    /// <summary>When the session began (its login), in Unix seconds: no token of the session outlives it by more than the maximum.</summary>
    public const string SessionStartClaim = "sst";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false, MapInboundClaims = false };

    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>The pair issued at <paramref name="now"/> for the session <paramref name="family"/> begun at
    /// <paramref name="sessionStartedAt"/>, its refresh token <paramref name="refreshId"/>.</summary>
    public static TokenPair Issue(JwtSettings settings, UserDetails user, string family, string refreshId, long generation,
        DateTimeOffset sessionStartedAt, DateTimeOffset now)
    {
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

    /// <summary>When a refresh token issued at <paramref name="now"/> expires: its lifetime, cut at the session's maximum.</summary>
    public static DateTimeOffset RefreshExpiry(JwtSettings settings, DateTimeOffset now, DateTimeOffset sessionStartedAt) =>
        now + Until(now, settings.RefreshLifetime, sessionStartedAt + settings.SessionMaxLifetime);

    /// <summary>Reads a refresh token: signed with the refresh key, of the refresh type, unexpired. Null otherwise.</summary>
    public static async Task<SessionClaims?> ReadRefreshTokenAsync(JwtSettings settings, string token)
    {
        var result = await Handler.ValidateTokenAsync(token, Validation(settings.RefreshSecret, RefreshTokenType));
        return result.IsValid ? SessionClaims.From(result.ClaimsIdentity) : null;
    }

    /// <summary>How the gateway's bearer authentication validates an access token.</summary>
    public static TokenValidationParameters AccessValidation(JwtSettings settings) => Validation(settings.AccessSecret, AccessTokenType);

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
        var family = identity.FindFirst(SessionTokens.FamilyClaim)?.Value;
        var jti = identity.FindFirst(JwtRegisteredClaimNames.Jti)?.Value;
        var gen = identity.FindFirst(SessionTokens.GenerationClaim)?.Value;
        var exp = identity.FindFirst(JwtRegisteredClaimNames.Exp)?.Value;
        // Access tokens carry no session start, and refresh tokens issued before it existed neither: their iat stands in.
        var started = identity.FindFirst(SessionTokens.SessionStartClaim)?.Value ?? identity.FindFirst(JwtRegisteredClaimNames.Iat)?.Value;
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
