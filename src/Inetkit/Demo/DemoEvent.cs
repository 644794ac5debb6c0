using Inetkit.Tracing;

namespace Inetkit.Demo;

/// <summary>The two sides of an exchange, drawn as lanes: the client on the left, the server on the right.</summary>
public enum DemoLane
{
    /// <summary>The side that starts the exchange: the seed's client (or the scanner).</summary>
    Client,

    /// <summary>The side that waits for it: the seed's service (or the scanned ports).</summary>
    Server,
}

/// <summary>
/// One step of an exchange as a demo shows it: a socket call on one side (with the seed's own statement that makes
/// it), or what a side's program printed. Every view (terminal, Mermaid, JSON, the web page) renders these.
/// </summary>
public sealed record DemoEvent
{
    /// <summary>Its place in the exchange, from 0.</summary>
    public required int Sequence { get; init; }

    /// <summary>Time since the demo started.</summary>
    public required TimeSpan At { get; init; }

    /// <summary>Which side.</summary>
    public required DemoLane Lane { get; init; }

    /// <summary>A packet captured on the loopback interface (<c>--wire</c>): what crossed beneath the calls; its lane is the side that sent it.</summary>
    public Wire.WirePacket? Packet { get; init; }

    /// <summary>The socket call, or null for a <see cref="Printed"/> line or a <see cref="Packet"/>.</summary>
    public TraceEvent? Call { get; init; }

    /// <summary>The seed's Python statement that makes this call (<c>data, address = s.recvfrom(4096)</c>), where it has one.</summary>
    public string? Seed { get; init; }

    /// <summary>What the side's program printed (the seed's <c>print(...)</c>, such as <c>No connection!</c>).</summary>
    public string? Printed { get; init; }

    /// <summary>For a call that sends: the bytes cross to the other lane (an arrow), unless the impairment lost them.</summary>
    public bool Sends => Call is { Kind: TraceKind.Call, Failed: false, Length: > 0 } c && c.Name is "send" or "sendto" or "sendall";
}
