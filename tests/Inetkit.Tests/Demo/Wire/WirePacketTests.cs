using System.Net;
using Inetkit.Demo.Wire;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>A packet's one-line summary, in each protocol's form.</summary>
public sealed class WirePacketTests
{
    private static readonly IPEndPoint Client = IPEndPoint.Parse("127.0.0.1:40000");
    private static readonly IPEndPoint Server = IPEndPoint.Parse("127.0.0.1:5000");

    [Fact]
    public void Describe_Syn_HasNoAck()
    {
        var syn = new WirePacket(DateTimeOffset.UnixEpoch, WireProtocol.Tcp, Client, Server) { Flags = "SYN", Window = 65495 };

        Assert.Equal("127.0.0.1:40000 -> 127.0.0.1:5000 TCP [SYN] seq=0 win=65495 len=0", syn.Describe());
    }

    [Fact]
    public void Describe_SegmentWithAck_ShowsIt()
    {
        var data = new WirePacket(DateTimeOffset.UnixEpoch, WireProtocol.Tcp, Client, Server) { Flags = "PSH/ACK", RelativeSeq = 1, RelativeAck = 1, Window = 65536, PayloadLength = 5 };

        Assert.Equal("127.0.0.1:40000 -> 127.0.0.1:5000 TCP [PSH/ACK] seq=1 ack=1 win=65536 len=5", data.Describe());
        Assert.True(data.HasAck);
    }

    [Fact]
    public void Describe_Udp_CountsBytes()
    {
        var datagram = new WirePacket(DateTimeOffset.UnixEpoch, WireProtocol.Udp, Client, Server) { PayloadLength = 11 };
        var single = datagram with { PayloadLength = 1 };

        Assert.Equal(("127.0.0.1:40000 -> 127.0.0.1:5000 UDP 11 bytes", "127.0.0.1:40000 -> 127.0.0.1:5000 UDP 1 byte"), (datagram.Describe(), single.Describe()));
    }

    [Fact]
    public void Describe_PortUnreachable_NamesTheQuotedDestination()
    {
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        var icmp = new WirePacket(DateTimeOffset.UnixEpoch, WireProtocol.Icmp, loopback, loopback)
        {
            IcmpType = 3, IcmpCode = 3, QuotedProtocol = WireProtocol.Udp, QuotedSource = Client, QuotedDestination = IPEndPoint.Parse("127.0.0.1:5001"),
        };
        var v6 = new IPEndPoint(IPAddress.IPv6Loopback, 0);
        var icmp6 = new WirePacket(DateTimeOffset.UnixEpoch, WireProtocol.Icmpv6, v6, v6)
        {
            IcmpType = 1, IcmpCode = 4, QuotedProtocol = WireProtocol.Udp, QuotedSource = IPEndPoint.Parse("[::1]:40000"), QuotedDestination = IPEndPoint.Parse("[::1]:5001"),
        };

        Assert.Equal("127.0.0.1 -> 127.0.0.1 ICMP port unreachable (for UDP 127.0.0.1:5001)", icmp.Describe());
        Assert.Equal("::1 -> ::1 ICMPv6 port unreachable (for UDP [::1]:5001)", icmp6.Describe());
        Assert.True(icmp.IsPortUnreachable && icmp6.IsPortUnreachable);
    }

    [Fact]
    public void Describe_OtherIcmp_ByNameOrNumber()
    {
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        var echo = new WirePacket(DateTimeOffset.UnixEpoch, WireProtocol.Icmp, loopback, loopback) { IcmpType = 8 };
        var odd = echo with { IcmpType = 42, IcmpCode = 7 };

        Assert.Equal(("127.0.0.1 -> 127.0.0.1 ICMP echo request", "127.0.0.1 -> 127.0.0.1 ICMP type 42 code 7"), (echo.Describe(), odd.Describe()));
        Assert.False(echo.IsPortUnreachable);
    }
}
