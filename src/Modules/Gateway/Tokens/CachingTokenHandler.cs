using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Modular.Gateway.Tokens;

/// <summary>
/// Validates an access token once and remembers the result until the token expires: a client sends the same
/// token for every request of its 15 minutes, and parsing, the HMAC and building its claims were the largest
/// in-process cost of an authenticated request (docs/performance.md). The key is the whole token, signature
/// included, so a hit is the very string that passed before; only successes are kept, expiry is checked on
/// every hit, and revocation is not this class's business (it is checked in Redis on every request,
/// <see cref="Http.RequestGate"/>). Bounded: when full it starts afresh.
/// </summary>
internal sealed class CachingTokenHandler : JsonWebTokenHandler
{
    private const int Capacity = 4096;

    private readonly ConcurrentDictionary<string, (TokenValidationResult Result, DateTime ValidTo)> _validated = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;

    public CachingTokenHandler(TimeProvider clock)
    {
        _clock = clock;
        MapInboundClaims = false;
    }

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        if (_validated.TryGetValue(token, out var known))
        {
            if (now < known.ValidTo) return known.Result;
            _validated.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } validated)
        {
            if (_validated.Count >= Capacity) _validated.Clear();
            _validated[token] = (result, validated.ValidTo + validationParameters.ClockSkew);
        }
        return result;
    }
}
