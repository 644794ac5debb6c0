using Inetkit.Protocol;

namespace Inetkit.Tests.Services;

/// <summary>Each contract runs over TCP and UDP, on IPv4 and IPv6 loopback.</summary>
public static class TransportData
{
    public static TheoryData<Transport, bool> Both { get; } = new()
    {
        { Transport.Tcp, false },
        { Transport.Udp, false },
        { Transport.Tcp, true },
        { Transport.Udp, true },
    };
}
