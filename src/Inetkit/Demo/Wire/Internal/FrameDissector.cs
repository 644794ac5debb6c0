using System.Net;
using PacketDotNet;
using PacketDotNet.Tcp;
using PacketDotNet.Utils;

namespace Inetkit.Demo.Wire.Internal;

/// <summary>
/// Dissects loopback frames with PacketDotNet. Frames are read only up to a snap length, so lengths come from the
/// headers (which PacketDotNet sizes from the IP header) and payload bytes only from what was read. PacketDotNet
/// reads a header where it should be whether or not the frame reached that far (into the rest of a reused read
/// buffer), so every header is checked to lie within what was read before it is believed.
/// </summary>
internal static class FrameDissector
{
    public const int PayloadKept = 64;

    private const int UdpHeader = 8;
    private const int MinimumTcpHeader = 20;
    private const int MinimumIpHeader = 20;

    /// <summary>Type, code, checksum and four bytes of the message's own (unused, an MTU, a pointer): 8 before any quote.</summary>
    private const int IcmpHeader = 8;

    /// <summary>Null for what the capture does not show (ARP, other protocols, frames cut inside their headers).</summary>
    public static Dissected? Dissect(byte[] buffer, CapturedFrame frame)
    {
        try
        {
            var ethernet = new EthernetPacket(new ByteArraySegment(buffer, 0, frame.Captured));
            return ethernet.PayloadPacket is IPPacket ip ? DissectIp(buffer, frame, ip) : null;
        }
        catch (Exception e) when (IsCutShort(e))
        {
            return null;
        }
    }

    /// <summary>What PacketDotNet throws for bytes that stop inside a header it was asked for.</summary>
    private static bool IsCutShort(Exception e) => e is ArgumentException or IndexOutOfRangeException or InvalidOperationException;

    private static Dissected? DissectIp(byte[] buffer, CapturedFrame frame, IPPacket ip)
    {
        int end = frame.Captured;
        // Where PacketDotNet found the transport header (past any IPv6 extension headers).
        int transport = ip.PayloadPacket?.HeaderSegment.Offset ?? int.MaxValue;
        if (transport > end)
        {
            return null;
        }
        switch (ip.PayloadPacket)
        {
            case TcpPacket tcp:
            {
                if (transport + Math.Max(MinimumTcpHeader, tcp.DataOffset * 4) > end)
                {
                    return null;
                }
                var source = new IPEndPoint(ip.SourceAddress, tcp.SourcePort);
                var destination = new IPEndPoint(ip.DestinationAddress, tcp.DestinationPort);
                ByteArraySegment payload = tcp.PayloadDataSegment;
                var packet = new WirePacket(frame.At, WireProtocol.Tcp, source, destination)
                {
                    Flags = TcpFlagNames.Format(tcp.Flags),
                    Window = tcp.WindowSize,
                    PayloadLength = payload.Length,
                    Payload = Kept(buffer, payload.Offset, payload.Length, end),
                };
                int? scale = tcp.Synchronize ? tcp.OptionsCollection.OfType<WindowScaleFactorOption>().Select(o => (int?)Math.Min((int)o.ScaleFactor, 14)).FirstOrDefault() : null;
                return new Dissected(packet, new TcpHeader(tcp.SequenceNumber, tcp.AcknowledgmentNumber, tcp.Flags, tcp.WindowSize, scale), source, destination);
            }
            case UdpPacket udp:
            {
                if (transport + UdpHeader > end)
                {
                    return null;
                }
                var source = new IPEndPoint(ip.SourceAddress, udp.SourcePort);
                var destination = new IPEndPoint(ip.DestinationAddress, udp.DestinationPort);
                int length = Math.Max(0, udp.Length - UdpHeader);
                var packet = new WirePacket(frame.At, WireProtocol.Udp, source, destination)
                {
                    PayloadLength = length,
                    Payload = Kept(buffer, udp.PayloadDataSegment.Offset, length, end),
                };
                return new Dissected(packet, null, source, destination);
            }
            case IcmpV4Packet or IcmpV6Packet when transport + IcmpHeader > end:
                return null;
            case IcmpV4Packet icmp:
                return DissectIcmp(buffer, frame, ip, WireProtocol.Icmp, icmp.HeaderSegment.Offset, icmp.TypeCode is var tc ? ((int)tc >> 8, (int)tc & 0xff) : default);
            case IcmpV6Packet icmp6:
                return DissectIcmp(buffer, frame, ip, WireProtocol.Icmpv6, icmp6.HeaderSegment.Offset, ((int)icmp6.Type, icmp6.Code));
            default:
                return null;
        }
    }

    private static Dissected DissectIcmp(byte[] buffer, CapturedFrame frame, IPPacket ip, WireProtocol protocol, int offset, (int Type, int Code) kind)
    {
        int length = Math.Max(0, ip.HeaderSegment.Offset + ip.TotalLength - offset - IcmpHeader);
        var packet = new WirePacket(frame.At, protocol, new IPEndPoint(ip.SourceAddress, 0), new IPEndPoint(ip.DestinationAddress, 0))
        {
            IcmpType = kind.Type,
            IcmpCode = kind.Code,
            PayloadLength = length,
            Payload = Kept(buffer, offset + IcmpHeader, length, frame.Captured),
        };
        if (IcmpNames.QuotesDatagram(protocol, kind.Type) && Quoted(buffer, offset + IcmpHeader, frame.Captured) is var (quotedProtocol, from, to))
        {
            packet = packet with { QuotedProtocol = quotedProtocol, QuotedSource = from, QuotedDestination = to };
            return new Dissected(packet, null, from, to);
        }
        return new Dissected(packet, null, packet.Source, packet.Destination);
    }

    /// <summary>The protocol and endpoints of the datagram an ICMP error quotes (its IP header and at least the 8 bytes beyond that hold the ports); null when cut short.</summary>
    private static (WireProtocol, IPEndPoint, IPEndPoint)? Quoted(byte[] buffer, int offset, int end)
    {
        if (end - offset < MinimumIpHeader)
        {
            return null;
        }
        try
        {
            var segment = new ByteArraySegment(buffer, offset, end - offset);
            IPPacket quoted = (buffer[offset] >> 4) == 6 ? new IPv6Packet(segment) : new IPv4Packet(segment);
            // The ports, the first four bytes past the quoted IP header, are all that is read of it.
            if ((quoted.PayloadPacket?.HeaderSegment.Offset ?? int.MaxValue) > end - 4)
            {
                return null;
            }
            return quoted.PayloadPacket switch
            {
                UdpPacket udp => (WireProtocol.Udp, new IPEndPoint(quoted.SourceAddress, udp.SourcePort), new IPEndPoint(quoted.DestinationAddress, udp.DestinationPort)),
                TcpPacket tcp => (WireProtocol.Tcp, new IPEndPoint(quoted.SourceAddress, tcp.SourcePort), new IPEndPoint(quoted.DestinationAddress, tcp.DestinationPort)),
                _ => null,
            };
        }
        catch (Exception e) when (IsCutShort(e))
        {
            return null;
        }
    }

    private static ReadOnlyMemory<byte> Kept(byte[] buffer, int offset, int length, int end) =>
        buffer.AsSpan(offset, Math.Clamp(Math.Min(Math.Min(length, PayloadKept), end - offset), 0, PayloadKept)).ToArray();
}
