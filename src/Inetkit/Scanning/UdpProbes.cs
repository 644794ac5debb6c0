using Inetkit.Protocol;

namespace Inetkit.Scanning;

/// <summary>
/// What a UDP scan sends to a port, written here from the RFCs (never taken from nmap's payload file): the six
/// classic services get a request they answer, padded to 512 bytes so that a careful server (Inetkit's own, toward
/// a remote source) may answer without amplifying; DNS (53) gets a query for the root's name servers and NTP (123) a
/// client request; any other port gets an empty datagram.
/// </summary>
public static class UdpProbes
{
    private static readonly byte[] Padded = new byte[ChargenPattern.MaxDatagram];
    private static readonly byte[] EchoProbe = "inetkit udp probe"u8.ToArray();

    // RFC 1035 §4.1: a standard query (id 0x1e7c, RD set) for the root zone's NS records: any resolver or
    // authoritative server answers it, if only to refuse.
    private static readonly byte[] DnsProbe = [0x1e, 0x7c, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01];

    // RFC 5905 §7.3: a 48-byte NTPv4 client request (LI 0, VN 4, mode 3), every other field zero.
    private static readonly byte[] NtpProbe = [0x23, .. new byte[47]];

    /// <summary>The DNS port (RFC 1035).</summary>
    public const int Dns = 53;

    /// <summary>The NTP port (RFC 5905).</summary>
    public const int Ntp = 123;

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
    public static ReadOnlyMemory<byte> For(int port) => port switch
    {
        Dns => DnsProbe,
        Ntp => NtpProbe,
        _ => ForService(port),
    };

    private static ReadOnlyMemory<byte> ForService(int port) => ServiceFor(port) switch
    {
        ServiceKind.Echo => EchoProbe,
        ServiceKind.Time => Padded.AsMemory(0, 4),
        ServiceKind.Qotd or ServiceKind.Daytime or ServiceKind.Chargen or ServiceKind.Discard => Padded,
        _ => ReadOnlyMemory<byte>.Empty,
    };
}
