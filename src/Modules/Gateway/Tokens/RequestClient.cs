using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Modular.Users.Contracts;

namespace Modular.Gateway.Tokens;

/// <summary>
/// What a session's list and the security trail show of a request's client: the User-Agent and the network, never
/// the full address (IPv4 /24, IPv6 /48). Enough to recognise "my phone at home", too little to locate anyone.
/// </summary>
internal static class RequestClient
{
    public const int MaxUserAgentLength = 256;

    /// <summary>The client of <paramref name="context"/> (the address the forwarded-headers middleware settled on), in <paramref name="sessionId"/>.</summary>
    public static RequestOrigin From(HttpContext context, string? sessionId = null) =>
        new(IpPrefixOf(context.Connection.RemoteIpAddress), UserAgentOf(context.Request.Headers.UserAgent.ToString()), sessionId);

    public static string? IpPrefixOf(IPAddress? address)
    {
        if (address is null) return null;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 24 : 48;
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, bits / 8, bytes.Length - bits / 8);
        return $"{new IPAddress(bytes)}/{bits}";
    }

    /// <summary>Printable, bounded: a header is the client's to fill, and its owner reads it back.</summary>
    public static string? UserAgentOf(string header)
    {
        var printable = new string(header.Where(c => !char.IsControl(c)).Take(MaxUserAgentLength).ToArray()).Trim();
        return printable.Length == 0 ? null : printable;
    }
}
