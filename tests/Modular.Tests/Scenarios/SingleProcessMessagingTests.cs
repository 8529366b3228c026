using Alba;
using Modular.Tests.Infrastructure;
using Modular.Users.Contracts.Events;
using Wolverine.Tracking;

namespace Modular.Tests.Scenarios;

/// <summary>In one process a tracked Wolverine session sees every module's messages, so it can prove what was not sent.</summary>
[Collection(SingleProcessCollection.Name)]
public sealed class SingleProcessMessagingTests(SingleProcessApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task register_publishes_UserRegistered_and_notifications_handles_it_before_the_session_ends()
    {
        var tracked = await PostAndWaitAsync(new { email = "olga@example.com", password = Api.Password, name = "Olga" }, 201);

        tracked.Executed.SingleMessage<UserRegistered>().Email.ShouldBe("olga@example.com");
        App.Mail.To("olga@example.com").ShouldHaveSingleItem();
    }

    [Fact]
    public async Task a_rejected_registration_publishes_nothing_and_sends_no_email()
    {
        await App.RegisterAsync("erin@example.com");
        App.Mail.Clear();

        var tracked = await PostAndWaitAsync(new { email = "erin@example.com", password = Api.Password }, 409);

        tracked.Sent.MessagesOf<UserRegistered>().ShouldBeEmpty();
        App.Mail.Messages.ShouldBeEmpty();
    }

    [Fact]
    public async Task the_same_UserRegistered_handled_twice_sends_one_email()
    {
        var registered = new UserRegistered(Guid.NewGuid(), Guid.NewGuid(), "twice@example.com", "Twice", DateTimeOffset.UtcNow,
            "a-verification-token", DateTimeOffset.UtcNow.AddDays(1));

        await app.Host.InvokeMessageAndWaitAsync(registered);
        await app.Host.InvokeMessageAndWaitAsync(registered);

        App.Mail.To("twice@example.com").ShouldHaveSingleItem();
    }

    private async Task<ITrackedSession> PostAndWaitAsync(object body, int expectedStatus) =>
        await app.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(30))
            .ExecuteAndWaitAsync((Func<Wolverine.IMessageContext, Task>)(_ =>
                app.Host.PostJsonAsync("/api/v1/auth/register", body, expectedStatus)));
}
