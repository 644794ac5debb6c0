using System.Net;
using System.Net.Sockets;

namespace Inetkit.Tracing;

/// <summary>
/// Narrates socket calls in the seed note's vocabulary, as structured <see cref="TraceEvent"/>s, each told by who
/// makes the call (<c>echo/udp</c>, <c>qotd/tcp #3</c>). Disabled tracers cost one null check per call site.
/// </summary>
internal readonly struct Tracer(TraceSink? sink, string prefix)
{
    /// <summary>A tracer of text lines only (<c>--trace</c>), as every component had before events.</summary>
    public Tracer(Action<string>? text, string prefix)
        : this(TraceSink.Create(text, null), prefix)
    {
    }

    public bool Enabled => sink is not null;

    public string Prefix => prefix;

    /// <summary>A narration that is not a socket call.</summary>
    public void Call(string text) => sink?.Write(new TraceEvent { At = Now(sink), Side = prefix, Kind = TraceKind.Note, Name = text });

    /// <summary>A socket call that returned: <c>name(arguments) -> result</c>, with the bytes it moved and with whom.</summary>
    public void Call(string name, string arguments, string? result = null, ReadOnlySpan<byte> data = default, EndPoint? peer = null, EndPoint? local = null, string? comment = null, bool failed = false, Impairment.ImpairmentEffects impairment = default, TraceTo to = TraceTo.Both)
    {
        if (sink is null)
        {
            return;
        }
        sink.Write(new TraceEvent
        {
            At = Now(sink),
            Side = prefix,
            Kind = TraceKind.Call,
            Name = name,
            Arguments = arguments,
            Result = result,
            Failed = failed,
            Data = sink.WantsEvents && !data.IsEmpty ? data[..Math.Min(data.Length, TraceSink.DataLimit)].ToArray() : ReadOnlyMemory<byte>.Empty,
            Length = data.Length,
            Peer = peer as IPEndPoint,
            Local = local as IPEndPoint,
            Comment = comment,
            Impairment = impairment,
        }, to);
    }

    /// <summary>A blocking call begins (<c>recvfrom(4096)</c> waiting for a datagram); the text trace shows it when it returns.</summary>
    public void Waiting(string name, string arguments, EndPoint? local = null)
    {
        if (sink is { WantsEvents: true })
        {
            sink.Write(new TraceEvent { At = Now(sink), Side = prefix, Kind = TraceKind.Waiting, Name = name, Arguments = arguments, Local = local as IPEndPoint });
        }
    }

    public Tracer For(string newPrefix) => new(sink, newPrefix);

    public static string Family(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "AF_INET6" : "AF_INET";

    public static string Kind(SocketType type) => type == SocketType.Stream ? "SOCK_STREAM" : "SOCK_DGRAM";

    public static string Of(EndPoint? endPoint) => endPoint?.ToString() ?? "?";

    /// <summary>A failed call's result as the C library names it, with what it means: <c>ECONNREFUSED (connection refused)</c>.</summary>
    public static string Error(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "ECONNREFUSED (connection refused: nothing listens there)",
        SocketError.ConnectionReset => "ECONNRESET (connection reset by the peer)",
        SocketError.ConnectionAborted => "ECONNABORTED (connection aborted)",
        SocketError.TimedOut => "ETIMEDOUT (timed out)",
        SocketError.HostUnreachable => "EHOSTUNREACH (no route to host)",
        SocketError.NetworkUnreachable => "ENETUNREACH (network unreachable)",
        SocketError.HostDown => "EHOSTDOWN (host is down)",
        SocketError.Shutdown => "EPIPE (the connection is shut down)",
        SocketError.MessageSize => "EMSGSIZE (message too long)",
        SocketError.AccessDenied => "EACCES (permission denied)",
        SocketError.AddressAlreadyInUse => "EADDRINUSE (address already in use)",
        _ => error.ToString(),
    };

    private static DateTimeOffset Now(TraceSink sink) => sink.Clock.GetUtcNow();
}
