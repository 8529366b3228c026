using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Modular.Users.Contracts;

namespace Modular.Gateway.Tokens;

/// <summary>
/// Issues HS256 token pairs. The two kinds differ in key and in the <c>typ</c> header, so neither is
/// ever accepted as the other. A refresh token carries a family id shared by every token rotated from
/// the same login, which lets reuse of a rotated token revoke the whole family.
/// </summary>
internal sealed class TokenIssuer(JwtSettings settings, TokenStore store, TimeProvider clock)
{
    public const string AccessTokenType = "at+jwt";
    public const string RefreshTokenType = "rt+jwt";
    public const string FamilyClaim = "fam";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public async Task<TokenPair> IssueAsync(UserDetails user, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var refreshId = Guid.NewGuid().ToString("N");
        var family = Guid.NewGuid().ToString("N");

        var access = Create(settings.AccessSecret, AccessTokenType, now, settings.AccessLifetime,
        [
            new Claim(JwtRegisteredClaimNames.Sub, user.Id.ToString()),
            new Claim(JwtRegisteredClaimNames.Email, user.Email),
            new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            .. user.Roles.Select(role => new Claim("role", role)),
        ]);
        var refresh = Create(settings.RefreshSecret, RefreshTokenType, now, settings.RefreshLifetime,
        [
            new Claim(JwtRegisteredClaimNames.Sub, user.Id.ToString()),
            new Claim(JwtRegisteredClaimNames.Jti, refreshId),
            new Claim(FamilyClaim, family),
        ]);

        await store.RememberRefreshTokenAsync(refreshId, user.Id, family, settings.RefreshLifetime, ct);
        return new TokenPair(access, refresh, "Bearer", (int)settings.AccessLifetime.TotalSeconds, user);
    }

    public static TokenValidationParameters AccessValidation(JwtSettings settings) => new()
    {
        ValidIssuer = JwtSettings.Issuer,
        ValidAudience = JwtSettings.Audience,
        IssuerSigningKey = new SymmetricSecurityKey(settings.AccessSecret),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidTypes = [AccessTokenType],
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromSeconds(5),
        NameClaimType = JwtRegisteredClaimNames.Sub,
        RoleClaimType = "role",
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

/// <summary>The body of a successful register, login or refresh.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn, UserDetails User);
