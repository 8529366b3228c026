namespace Modular.Contracts;

// What a contract is decides where it travels when the modules run apart (BuildingBlocks' MessagingTopology): a record
// marked neither (a reply, a value inside a message) is never routed, so a reply can never be sent as a request.

/// <summary>A request to the module whose contracts declare it: handled by that module alone, sent to its requests topic.</summary>
public interface IRequest;

/// <summary>An event of the module whose contracts declare it: published by that module alone, to its events topic;
/// any module may handle it.</summary>
public interface IEvent;
