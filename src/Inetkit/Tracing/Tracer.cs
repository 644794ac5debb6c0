using System.Net;
using System.Net.Sockets;

namespace Inetkit.Tracing;

/// <summary>
/// Narrates socket calls in the seed note's vocabulary, each line prefixed with who makes the call
/// (<c>[echo/udp]</c>, <c>[qotd/tcp #3]</c>). Disabled tracers cost one null check per call site.
/// </summary>
internal readonly struct Tracer(Action<string>? sink, string prefix)
{
    public bool Enabled => sink is not null;

    public string Prefix => prefix;

    public void Call(string text) => sink?.Invoke($"[{prefix}] {text}");

    public Tracer For(string newPrefix) => new(sink, newPrefix);

    public static string Family(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "AF_INET6" : "AF_INET";

    public static string Kind(SocketType type) => type == SocketType.Stream ? "SOCK_STREAM" : "SOCK_DGRAM";

    public static string Of(EndPoint? endPoint) => endPoint?.ToString() ?? "?";
}
