using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Modular.Gateway;
using Modular.Gateway.Tokens;
using Modular.Users.Contracts;

namespace Modular.UnitTests.Gateway;

/// <summary>The rules of the gateway's tokens (<see cref="SessionTokens"/>): what each says, how long it lives, which one
/// each check accepts; no Redis, no host.</summary>
public sealed class SessionTokensTests
{
    private static readonly JwtSettings Settings = new(Key('a'), Key('r'), TimeSpan.FromMinutes(15), TimeSpan.FromDays(7),
        TimeSpan.FromDays(30));

    private static readonly UserDetails Ann = new(Guid.CreateVersion7(), "ann@example.com", "Ann", [Roles.User, Roles.Admin],
        true, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    private static byte[] Key(char c) => Encoding.UTF8.GetBytes(new string(c, 64));

    private static TokenPair IssueNow(DateTimeOffset? sessionStartedAt = null, long generation = 3) =>
        SessionTokens.Issue(Settings, Ann, "family-1", "refresh-1", generation, sessionStartedAt ?? DateTimeOffset.UtcNow,
            DateTimeOffset.UtcNow);

    private static async Task<ClaimsIdentity?> ValidAccess(string token)
    {
        var result = await Handler.ValidateTokenAsync(token, SessionTokens.AccessValidation(Settings));
        return result.IsValid ? result.ClaimsIdentity : null;
    }

    [Fact]
    public async Task an_access_token_names_the_user_the_session_the_generation_and_the_roles()
    {
        var pair = IssueNow();

        var identity = (await ValidAccess(pair.AccessToken)).ShouldNotBeNull();
        identity.FindFirst(JwtRegisteredClaimNames.Sub)!.Value.ShouldBe(Ann.Id.ToString());
        identity.FindAll(SessionTokens.RoleClaim).Select(c => c.Value).ShouldBe([Roles.User, Roles.Admin]);
        var claims = SessionClaims.From(identity).ShouldNotBeNull();
        (claims.UserId, claims.Family, claims.Generation).ShouldBe((Ann.Id, "family-1", 3L));
        pair.TokenType.ShouldBe("Bearer");
        pair.ExpiresIn.ShouldBe(15 * 60);
        pair.User.Id.ShouldBe(Ann.Id);
    }

    [Fact]
    public async Task a_refresh_token_reads_back_as_its_session_and_is_never_an_access_token()
    {
        var pair = IssueNow();

        var claims = (await SessionTokens.ReadRefreshTokenAsync(Settings, pair.RefreshToken)).ShouldNotBeNull();
        (claims.UserId, claims.Family, claims.TokenId, claims.Generation).ShouldBe((Ann.Id, "family-1", "refresh-1", 3L));
        (await ValidAccess(pair.RefreshToken)).ShouldBeNull();
        (await SessionTokens.ReadRefreshTokenAsync(Settings, pair.AccessToken)).ShouldBeNull();
    }

    [Fact]
    public async Task a_token_signed_with_another_key_or_unsigned_is_refused()
    {
        var other = Settings with { AccessSecret = Key('x'), RefreshSecret = Key('y') };
        var forged = SessionTokens.Issue(other, Ann, "family-1", "refresh-1", 3, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        (await ValidAccess(forged.AccessToken)).ShouldBeNull();
        (await SessionTokens.ReadRefreshTokenAsync(Settings, forged.RefreshToken)).ShouldBeNull();

        var unsigned = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = JwtSettings.Issuer, Audience = JwtSettings.Audience, TokenType = SessionTokens.AccessTokenType,
            Expires = DateTime.UtcNow.AddMinutes(5), Subject = new ClaimsIdentity([new Claim("sub", Ann.Id.ToString())]),
        });
        (await ValidAccess(unsigned)).ShouldBeNull();
    }

    [Fact]
    public async Task a_token_past_its_lifetime_is_refused_beyond_five_seconds_of_skew()
    {
        var issuedAt = DateTimeOffset.UtcNow - Settings.AccessLifetime - TimeSpan.FromSeconds(10);
        var pair = SessionTokens.Issue(Settings, Ann, "family-1", "refresh-1", 3, issuedAt, issuedAt);
        (await ValidAccess(pair.AccessToken)).ShouldBeNull();

        var withinSkew = DateTimeOffset.UtcNow - Settings.AccessLifetime + TimeSpan.FromSeconds(-2);
        (await ValidAccess(SessionTokens.Issue(Settings, Ann, "f", "r", 3, withinSkew, withinSkew).AccessToken)).ShouldNotBeNull();
    }

    [Fact]
    public async Task no_token_outlives_the_session_maximum_however_often_it_is_refreshed()
    {
        var now = DateTimeOffset.UtcNow;
        var startedAt = now - Settings.SessionMaxLifetime + TimeSpan.FromMinutes(2);

        var pair = SessionTokens.Issue(Settings, Ann, "family-1", "refresh-2", 3, startedAt, now);

        pair.ExpiresIn.ShouldBeInRange(119, 120);
        var refresh = (await SessionTokens.ReadRefreshTokenAsync(Settings, pair.RefreshToken)).ShouldNotBeNull();
        refresh.ExpiresAt.ShouldBeLessThanOrEqualTo(startedAt + Settings.SessionMaxLifetime);
        refresh.SessionStartedAt.ToUnixTimeSeconds().ShouldBe(startedAt.ToUnixTimeSeconds());
        SessionTokens.RefreshExpiry(Settings, now, startedAt).ShouldBe(startedAt + Settings.SessionMaxLifetime);
        SessionTokens.RefreshExpiry(Settings, now, now).ShouldBe(now + Settings.RefreshLifetime);
    }

    [Fact]
    public void a_token_whose_claims_are_missing_or_malformed_names_no_session()
    {
        Claim[] complete =
        [
            new(JwtRegisteredClaimNames.Sub, Ann.Id.ToString()), new(SessionTokens.FamilyClaim, "f"), new(JwtRegisteredClaimNames.Jti, "j"),
            new(SessionTokens.GenerationClaim, "1"), new(JwtRegisteredClaimNames.Exp, "1900000000"), new(JwtRegisteredClaimNames.Iat, "1800000000"),
        ];
        SessionClaims.From(new ClaimsIdentity(complete)).ShouldNotBeNull();
        foreach (var claim in complete)
        {
            SessionClaims.From(new ClaimsIdentity(complete.Where(c => c != claim))).ShouldBeNull(claim.Type);
            if (claim.Type != SessionTokens.FamilyClaim && claim.Type != JwtRegisteredClaimNames.Jti)
                SessionClaims.From(new ClaimsIdentity(complete.Select(c => c == claim ? new Claim(c.Type, "not-a-number") : c)))
                    .ShouldBeNull(claim.Type);
        }
    }
}
