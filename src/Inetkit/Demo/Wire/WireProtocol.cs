namespace Inetkit.Demo.Wire;

/// <summary>The protocols a loopback capture keeps.</summary>
public enum WireProtocol
{
    /// <summary>TCP segments.</summary>
    Tcp,
    /// <summary>UDP datagrams.</summary>
    Udp,
    /// <summary>ICMP messages over IPv4.</summary>
    Icmp,
    /// <summary>ICMPv6 messages.</summary>
    Icmpv6,
}
