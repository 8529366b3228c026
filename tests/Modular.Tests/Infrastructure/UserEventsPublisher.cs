using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Modular.BuildingBlocks.Configuration;
using Modular.BuildingBlocks.Messaging;
using Modular.Users.Contracts.Events;
using Wolverine;
using Wolverine.Kafka;
using Modular.Users.Contracts;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// Publishes Users' events to <c>users.events</c> of a test's own broker as a user-service would (encrypted with the test
/// run's key), so a notification-service can be tested without a user-service or gateway in front of it.
/// </summary>
public sealed class UserEventsPublisher : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _brokers;

    private UserEventsPublisher(IHost host, string brokers) => (_host, _brokers) = (host, brokers);

    public static async Task<UserEventsPublisher> StartAsync(string brokers)
    {
        var keys = MessageEncryption.Read(new SettingsReader(new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create(MessageEncryption.KeyVariable, (string?)TestEnvironment.MessageKey)]).Build()));
        var host = await Host.CreateDefaultBuilder()
            .UseWolverine(opts =>
            {
                opts.ServiceName = "test-user-events-publisher";
                opts.UseKafka(brokers);
                opts.UseEncryption(keys);
                opts.PublishMessage<UserRegistered>().ToKafkaTopic(UsersTopics.Events);
                opts.PublishMessage<UserProfileUpdated>().ToKafkaTopic(UsersTopics.Events);
            })
            .StartAsync();
        return new UserEventsPublisher(host, brokers);
    }

    /// <summary>Publishes <paramref name="events"/> in order and returns once the broker holds every one of them.</summary>
    public async Task PublishAllAsync(IReadOnlyCollection<object> events)
    {
        using var topic = new TopicBacklog(_brokers, UsersTopics.Events);
        var expected = topic.Written() + events.Count;

        var bus = _host.Services.GetRequiredService<IMessageBus>();
        foreach (var message in events) await bus.PublishAsync(message);

        var written = await Eventually.ReadAsync(() => Task.FromResult(topic.Written()), w => w >= expected, TimeSpan.FromSeconds(60));
        written.ShouldBe(expected, $"the broker holds {written - expected + events.Count} of the {events.Count} events published");
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
