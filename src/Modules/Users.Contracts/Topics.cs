namespace Modular.Users.Contracts;

/// <summary>
/// Where the messages of Users travel when the modules run apart: its <see cref="Modular.Contracts.IRequest"/>s to
/// <see cref="Requests"/>, its <see cref="Modular.Contracts.IEvent"/>s to <see cref="Events"/>, keyed by
/// <see cref="EventsKeyedBy"/> so that one user's events stay in order. Named here, once: Users declares them
/// (UsersModule.Definition), the modules that send to or read them name them from here.
/// </summary>
public static class UsersTopics
{
    public const string Requests = "users.requests";
    public const string Events = "users.events";
    public const string EventsKeyedBy = "UserId";
}
