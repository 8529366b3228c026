using Alba;
using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks.Hosting;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts;
using Modular.Users.Contracts.Events;
using StackExchange.Redis;
using Wolverine;
using Wolverine.Tracking;
using Modular.Gateway;
using Modular.Users;

namespace Modular.Tests.Scenarios;

/// <summary>
/// The gateway answers the caller's own account from its read model (docs/adr/0009): without a request to
/// Users, and never with an older copy than Users has, on every replica.
/// </summary>
public abstract class ReadModelScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    private const string Me = "/api/v1/auth/me";
    private const string GetUser = "Modular.Users.Contracts.GetUser";

    [Fact]
    public async Task me_asks_users_nothing_when_the_read_model_has_the_account()
    {
        var pair = await App.RegisterAsync("read.model@example.com", "Rita");
        var usersBefore = await App.ScrapeAsync(UsersModule.Definition);
        var gatewayBefore = await App.ScrapeAsync(GatewayModule.Definition);

        foreach (var gateway in App.Gateways)
            for (var i = 0; i < 5; i++)
                (await MeAsync(gateway, pair.AccessToken)).Name.ShouldBe("Rita");

        var users = await App.ScrapeAsync(UsersModule.Definition);
        (Handled(users, GetUser) - Handled(usersBefore, GetUser)).ShouldBe(0, "no GetUser reached Users");
        var gateway0 = await App.ScrapeAsync(GatewayModule.Definition);
        (Reads(gateway0, "read_model") - Reads(gatewayBefore, "read_model")).ShouldBe(5 * App.Gateways.Count);
    }

    [Fact]
    public async Task after_a_profile_change_every_replica_shows_the_new_name_at_once()
    {
        var pair = await App.RegisterAsync("renamed@example.com", "Before");
        foreach (var gateway in App.Gateways) (await MeAsync(gateway, pair.AccessToken)).Name.ShouldBe("Before");

        await Gateway.SendAsync(HttpMethod.Patch, "/api/v1/users/me", pair.AccessToken, new { name = "After" }, 200);

        foreach (var gateway in App.Gateways)
        {
            (await MeAsync(gateway, pair.AccessToken)).Name.ShouldBe("After");
            var self = await gateway.GetAsync($"/api/v1/users/{pair.User.Id}", 200, pair.AccessToken);
            (await self.ReadAsJsonAsync<UserDetails>())!.Name.ShouldBe("After");
        }
    }

    [Fact]
    public async Task after_deletion_every_replica_refuses_the_old_tokens_at_once()
    {
        var pair = await App.RegisterAsync("deleted.reader@example.com");
        foreach (var gateway in App.Gateways) await MeAsync(gateway, pair.AccessToken);

        await Gateway.SendAsync(HttpMethod.Delete, "/api/v1/users/me", pair.AccessToken, new { currentPassword = Api.Password }, 204);

        foreach (var gateway in App.Gateways)
        {
            (await gateway.GetAsync(Me, 401, pair.AccessToken)).ShouldBeProblem(401);
            await gateway.GetAsync($"/api/v1/users/{pair.User.Id}", 401, pair.AccessToken);
        }
    }

    [Fact]
    public async Task after_a_password_change_every_replica_refuses_the_other_sessions_at_once()
    {
        var pair = await App.RegisterAsync("changer@example.com");
        var other = await Gateway.LoginAsync("changer@example.com");
        foreach (var gateway in App.Gateways) await MeAsync(gateway, other.AccessToken);

        await Gateway.SendAsync(HttpMethod.Post, "/api/v1/auth/change-password", pair.AccessToken,
            new { currentPassword = Api.Password, newPassword = "a brand new password" }, 204);

        foreach (var gateway in App.Gateways)
        {
            await gateway.GetAsync(Me, 401, other.AccessToken);
            (await MeAsync(gateway, pair.AccessToken)).Email.ShouldBe("changer@example.com");
        }
    }

    [Fact]
    public async Task an_emptied_read_model_fills_again_with_one_request_to_users()
    {
        var pair = await App.RegisterAsync("refilled@example.com", "Refilled");
        await ForgetReadModelAsync();
        var before = await App.ScrapeAsync(UsersModule.Definition);

        foreach (var gateway in App.Gateways)
            for (var i = 0; i < 3; i++)
                (await MeAsync(gateway, pair.AccessToken)).Name.ShouldBe("Refilled");

        var after = await App.ScrapeAsync(UsersModule.Definition);
        (Handled(after, GetUser) - Handled(before, GetUser)).ShouldBe(1, "the first read asks Users, the others find the copy");
    }

    [Fact]
    public async Task a_change_the_gateway_did_not_answer_itself_drops_the_copy_it_had()
    {
        // As when the answer to a change is lost to a timeout: only Users' event tells the gateway.
        var pair = await App.RegisterAsync("event.only@example.com", "Kept");
        var changed = new UserProfileUpdated(Guid.NewGuid(), pair.User.Id, "Changed elsewhere", pair.User.UpdatedAt.AddSeconds(1));

        await Gateway.TrackActivity().AlsoTrack([.. App.Gateways.Skip(1)]).IncludeExternalTransports().Timeout(TimeSpan.FromSeconds(30))
            .ExecuteAndWaitAsync((Func<IMessageContext, Task>)(bus => bus.PublishAsync(changed).AsTask()));
        var before = await App.ScrapeAsync(UsersModule.Definition);

        // Users still says "Kept": what counts is that the copy was not served, but asked for again.
        (await MeAsync(Gateway, pair.AccessToken)).Name.ShouldBe("Kept");
        var after = await App.ScrapeAsync(UsersModule.Definition);
        (Handled(after, GetUser) - Handled(before, GetUser)).ShouldBe(1);
    }

    private static async Task<UserDetails> MeAsync(IAlbaHost gateway, string accessToken)
    {
        var result = await gateway.GetAsync(Me, 200, accessToken);
        result.Context.Response.ContentType.ShouldBe("application/json; charset=utf-8");
        return (await result.ReadAsJsonAsync<UserDetails>())!;
    }

    private async Task ForgetReadModelAsync()
    {
        var redis = Gateway.Services.GetRequiredService<IConnectionMultiplexer>();
        var server = redis.GetServers()[0];
        var db = redis.GetDatabase();
        await foreach (var key in server.KeysAsync(db.Database, "gateway:user:*")) await db.KeyDeleteAsync(key);
    }

    private static double Handled(Scrape scrape, string type) => scrape.Sum("modular_messages_handled_total", ("message_type", type));

    private static double Reads(Scrape scrape, string source) => scrape.Sum("modular_gateway_user_reads_total", ("source", source));
}

[Collection(SingleProcessCollection.Name)]
public sealed class ReadModelInSingleProcess(SingleProcessApp app) : ReadModelScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class ReadModelInSplitMode(SplitApp app) : ReadModelScenarios(app);
