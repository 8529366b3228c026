using Modular.BuildingBlocks.Http;
using StackExchange.Redis;

namespace Modular.Gateway.Tokens;

/// <summary>
/// The gateway's shared token state in Redis, so that every gateway replica agrees:
/// <c>gateway:refresh:{jti}</c> holds each live refresh token (TTL = its lifetime).
/// </summary>
internal sealed class TokenStore(IConnectionMultiplexer redis)
{
    private const string Prefix = "gateway:";

    public async Task RememberRefreshTokenAsync(string tokenId, Guid userId, string family, TimeSpan lifetime, CancellationToken ct)
    {
        await Redis(db => db.StringSetAsync($"{Prefix}refresh:{tokenId}", $"{userId:N}:{family}", lifetime));
    }

    private async Task<T> Redis<T>(Func<IDatabase, Task<T>> command)
    {
        try
        {
            return await command(redis.GetDatabase());
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            throw new DependencyUnavailableException("Redis", e);
        }
    }
}
