using System.Net;
using Inetkit.Demo.Wire.Internal;

namespace Inetkit.Demo.Wire;

/// <summary>
/// One packet seen on loopback, once. <paramref name="At"/> is the kernel's receive timestamp (CLOCK_REALTIME), so
/// it compares with <see cref="DateTimeOffset.UtcNow"/> taken around socket calls. For ICMP the endpoints carry
/// port 0.
/// </summary>
public sealed record WirePacket(DateTimeOffset At, WireProtocol Protocol, IPEndPoint Source, IPEndPoint Destination)
{
    /// <summary>
    /// TCP: the flags set, joined with '/' in the order people write them, ACK last ("SYN", "SYN/ACK", "PSH/ACK",
    /// "FIN/ACK", "RST/ACK"); empty for other protocols.
    /// </summary>
    public string Flags { get; init; } = "";

    /// <summary>TCP: the sequence number relative to this direction's initial one (the SYN is 0).</summary>
    public uint RelativeSeq { get; init; }

    /// <summary>TCP: the acknowledgement number relative to the other direction's initial sequence number (the SYN/ACK's is 1); 0 without ACK.</summary>
    public uint RelativeAck { get; init; }

    /// <summary>TCP: the receive window in bytes, scaled when both SYNs were seen to agree a scale.</summary>
    public int Window { get; init; }

    /// <summary>TCP and UDP: the payload's length on the wire. ICMP: the length of what follows its 8-byte header.</summary>
    public int PayloadLength { get; init; }

    /// <summary>The payload's first 64 bytes at most.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>ICMP and ICMPv6: the message type.</summary>
    public int IcmpType { get; init; }

    /// <summary>ICMP and ICMPv6: the message code.</summary>
    public int IcmpCode { get; init; }

    /// <summary>ICMP errors: the protocol of the datagram they quote (UDP, for a port unreachable on loopback).</summary>
    public WireProtocol? QuotedProtocol { get; init; }

    /// <summary>ICMP errors: the quoted datagram's source.</summary>
    public IPEndPoint? QuotedSource { get; init; }

    /// <summary>ICMP errors: the quoted datagram's destination (the port that was unreachable).</summary>
    public IPEndPoint? QuotedDestination { get; init; }

    /// <summary>True for an ICMP or ICMPv6 port unreachable.</summary>
    public bool IsPortUnreachable => (Protocol, IcmpType, IcmpCode) is (WireProtocol.Icmp, 3, 3) or (WireProtocol.Icmpv6, 1, 4);

    /// <summary>True for a TCP segment with the ACK flag.</summary>
    public bool HasAck => Flags.Split('/').Contains("ACK");

    /// <summary>
    /// One line: <c>127.0.0.1:40000 -> 127.0.0.1:5000 TCP [SYN] seq=0 win=65495 len=0</c>,
    /// <c>127.0.0.1:40000 -> 127.0.0.1:5000 UDP 11 bytes</c>,
    /// <c>127.0.0.1 -> 127.0.0.1 ICMP port unreachable (for UDP 127.0.0.1:5001)</c>.
    /// </summary>
    public string Describe() => Protocol switch
    {
        WireProtocol.Tcp => $"{Source} -> {Destination} TCP [{Flags}] seq={RelativeSeq}{(HasAck ? $" ack={RelativeAck}" : "")} win={Window} len={PayloadLength}",
        WireProtocol.Udp => $"{Source} -> {Destination} UDP {PayloadLength} {(PayloadLength == 1 ? "byte" : "bytes")}",
        _ => $"{Source.Address} -> {Destination.Address} {(Protocol == WireProtocol.Icmp ? "ICMP" : "ICMPv6")} {IcmpNames.Describe(Protocol, IcmpType, IcmpCode)}{Quote()}",
    };

    private string Quote() => QuotedDestination is null ? "" : $" (for {QuotedProtocol?.ToString().ToUpperInvariant()} {QuotedDestination})";
}
