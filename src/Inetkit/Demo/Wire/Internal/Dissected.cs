using System.Net;

namespace Inetkit.Demo.Wire.Internal;

/// <summary>
/// A dissected frame: the packet (TCP numbers still absolute, in <paramref name="Tcp"/>), and the endpoints a filter
/// judges it by: its own, or for an ICMP error those of the datagram it quotes.
/// </summary>
internal sealed record Dissected(WirePacket Packet, TcpHeader? Tcp, IPEndPoint FilterSource, IPEndPoint FilterDestination);
