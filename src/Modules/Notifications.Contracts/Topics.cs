namespace Modular.Notifications.Contracts;

/// <summary>Where the requests of Notifications travel when the modules run apart (it publishes no events).
/// Named here, once: Notifications declares it (NotificationsModule.Definition), the gateway sends to it.</summary>
public static class NotificationsTopics
{
    public const string Requests = "notifications.requests";
}
