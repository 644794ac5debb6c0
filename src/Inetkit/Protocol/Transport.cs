namespace Inetkit.Protocol;

/// <summary>Stream (TCP) or datagram (UDP), as flags so that "both" is one value.</summary>
[Flags]
public enum Transport
{
    /// <summary>Neither.</summary>
    None = 0,
    /// <summary>SOCK_STREAM.</summary>
    Tcp = 1,
    /// <summary>SOCK_DGRAM.</summary>
    Udp = 2,
    /// <summary>TCP and UDP.</summary>
    Both = Tcp | Udp,
}
