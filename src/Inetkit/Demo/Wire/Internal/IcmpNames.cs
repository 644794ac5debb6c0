namespace Inetkit.Demo.Wire.Internal;

/// <summary>The names of the ICMP and ICMPv6 messages a loopback exchange can draw out; others by number.</summary>
internal static class IcmpNames
{
    public static string Describe(WireProtocol protocol, int type, int code) => (protocol, type, code) switch
    {
        (WireProtocol.Icmp, 0, _) => "echo reply",
        (WireProtocol.Icmp, 3, 0) => "network unreachable",
        (WireProtocol.Icmp, 3, 1) => "host unreachable",
        (WireProtocol.Icmp, 3, 2) => "protocol unreachable",
        (WireProtocol.Icmp, 3, 3) => "port unreachable",
        (WireProtocol.Icmp, 3, 4) => "fragmentation needed",
        (WireProtocol.Icmp, 3, 13) => "administratively prohibited",
        (WireProtocol.Icmp, 3, _) => $"destination unreachable (code {code})",
        (WireProtocol.Icmp, 8, _) => "echo request",
        (WireProtocol.Icmp, 11, _) => "time exceeded",
        (WireProtocol.Icmpv6, 1, 0) => "no route to destination",
        (WireProtocol.Icmpv6, 1, 1) => "administratively prohibited",
        (WireProtocol.Icmpv6, 1, 3) => "address unreachable",
        (WireProtocol.Icmpv6, 1, 4) => "port unreachable",
        (WireProtocol.Icmpv6, 1, _) => $"destination unreachable (code {code})",
        (WireProtocol.Icmpv6, 2, _) => "packet too big",
        (WireProtocol.Icmpv6, 3, _) => "time exceeded",
        (WireProtocol.Icmpv6, 128, _) => "echo request",
        (WireProtocol.Icmpv6, 129, _) => "echo reply",
        (WireProtocol.Icmpv6, 133, _) => "router solicitation",
        (WireProtocol.Icmpv6, 134, _) => "router advertisement",
        (WireProtocol.Icmpv6, 135, _) => "neighbor solicitation",
        (WireProtocol.Icmpv6, 136, _) => "neighbor advertisement",
        _ => $"type {type} code {code}",
    };

    /// <summary>The ICMP errors that quote the datagram they are about.</summary>
    public static bool QuotesDatagram(WireProtocol protocol, int type) => (protocol, type) is (WireProtocol.Icmp, 3 or 4 or 5 or 11 or 12) or (WireProtocol.Icmpv6, 1 or 2 or 3 or 4);
}
