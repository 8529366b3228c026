using Modular.Users.Contracts.Events;
using StackExchange.Redis;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Modular.Gateway.Users;

/// <summary>
/// Keeps the gateway's read model of users (<see cref="UserProfiles"/>) coherent with changes that did not
/// reach it through a gateway's own answer (a reply lost to a timeout, a change made elsewhere). Split
/// mode: the gateway replicas share one consumer group of <c>users.events</c>, and the read model is in
/// Redis, so one replica's handling serves them all.
/// </summary>
public static class UserProfilesHandler
{
    // Without Redis the gateway answers 503 anyway; the event waits until Redis is back rather than be dropped.
    public static void Configure(HandlerChain chain) =>
        chain.OnException<RedisException>().Or<RedisTimeoutException>()
            .RetryWithCooldown(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1))
            .Then.PauseThenRequeue(TimeSpan.FromSeconds(5));

    public static Task Handle(UserProfileUpdated updated, UserProfiles profiles) =>
        profiles.ChangedAsync(updated.UserId, updated.UpdatedAt);

    public static Task Handle(UserPasswordChanged changed, UserProfiles profiles) =>
        profiles.ChangedAsync(changed.UserId, changed.ChangedAt);

    public static Task Handle(UserEmailVerified verified, UserProfiles profiles) =>
        profiles.ChangedAsync(verified.UserId, verified.VerifiedAt);

    public static Task Handle(UserDeleted deleted, UserProfiles profiles) => profiles.DeletedAsync(deleted.UserId);
}
