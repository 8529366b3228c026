using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Modular.Tests.Infrastructure;

/// <summary>Tokens the gateway must refuse, made by hand.</summary>
public static class Tokens
{
    public static string Sign(string secret, string type, DateTime issuedAt, DateTime expires, params Claim[] claims) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "modular-gateway",
            Audience = "modular-api",
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            TokenType = type,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });

    /// <summary>The same header and claims as <paramref name="token"/>, with <paramref name="change"/> applied to the payload and the old signature.</summary>
    public static string Tamper(string token, Func<string, string> change)
    {
        var parts = token.Split('.');
        return $"{parts[0]}.{Base64Url(change(FromBase64Url(parts[1])))}.{parts[2]}";
    }

    public static string Unsigned(string token) => $"{Base64Url("""{"alg":"none","typ":"at+jwt"}""")}.{token.Split('.')[1]}.";

    public static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string FromBase64Url(string value)
    {
        var s = value.Replace('-', '+').Replace('_', '/');
        return Encoding.UTF8.GetString(Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4)));
    }
}
