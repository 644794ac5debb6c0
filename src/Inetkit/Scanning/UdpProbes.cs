using Inetkit.Protocol;

namespace Inetkit.Scanning;

/// <summary>
/// What a UDP scan sends to a port, written here from the RFCs (never taken from nmap's payload file): the six
/// classic services get a request they answer, padded to 512 bytes so that a careful server (Inetkit's own, toward
/// a remote source) may answer without amplifying; any other port gets an empty datagram.
/// </summary>
public static class UdpProbes
{
    private static readonly byte[] Padded = new byte[ChargenPattern.MaxDatagram];
    private static readonly byte[] EchoProbe = "inetkit udp probe"u8.ToArray();

    /// <summary>The service a port belongs to, by its well-known number or the default 10000 offset; null if neither.</summary>
    public static ServiceKind? ServiceFor(int port)
    {
        foreach (ServiceKind kind in WellKnownPorts.All)
        {
            if (port == WellKnownPorts.WellKnown(kind) || port == WellKnownPorts.PortFor(kind))
            {
                return kind;
            }
        }
        return null;
    }

    /// <summary>The datagram to send to <paramref name="port"/>.</summary>
    public static ReadOnlyMemory<byte> For(int port) => ServiceFor(port) switch
    {
        ServiceKind.Echo => EchoProbe,
        ServiceKind.Time => Padded.AsMemory(0, 4),
        ServiceKind.Qotd or ServiceKind.Daytime or ServiceKind.Chargen or ServiceKind.Discard => Padded,
        _ => ReadOnlyMemory<byte>.Empty,
    };
}
