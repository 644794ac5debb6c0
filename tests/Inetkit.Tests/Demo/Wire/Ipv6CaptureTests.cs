using System.Net;
using System.Net.Sockets;
using Inetkit.Demo.Wire;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>The same capture on ::1: TCP numbers, a datagram, ICMPv6's port unreachable.</summary>
public sealed class Ipv6CaptureTests
{
    [Fact]
    public async Task TcpOverIpv6_HandshakeAndData()
    {
        using var timeout = TestTimeout.Create();
        using Socket listener = TcpCaptureTests.Listen(IPAddress.IPv6Loopback);
        var server = (IPEndPoint)listener.LocalEndPoint!;
        await using LoopbackCapture capture = Captures.Open(server.Port);

        using Socket client = await Net.ConnectAsync(server, timeout.Token);
        using Socket accepted = await listener.AcceptAsync(timeout.Token);
        await Net.SendAllAsync(client, "hello"u8.ToArray(), timeout.Token);
        Assert.Equal("hello"u8.ToArray(), await Net.ReadExactlyAsync(accepted, 5, timeout.Token));
        List<WirePacket> packets = await Captures.SinceLastAsync(capture, timeout.Token);

        var from = (IPEndPoint)client.LocalEndPoint!;
        Assert.Equal(
            [(from, server, "SYN", 0u, 0u, 0), (server, from, "SYN/ACK", 0u, 1u, 0), (from, server, "ACK", 1u, 1u, 0), (from, server, "PSH/ACK", 1u, 1u, 5)],
            packets.Take(4).Select(p => (p.Source, p.Destination, p.Flags, p.RelativeSeq, p.RelativeAck, p.PayloadLength)));
        Assert.StartsWith($"[::1]:{from.Port} -> [::1]:{server.Port} TCP [PSH/ACK] seq=1 ack=1 win=", packets[3].Describe());
    }

    [Fact]
    public async Task DatagramOverIpv6_AppearsOnce()
    {
        using var timeout = TestTimeout.Create();
        using Socket sender = Net.Udp(AddressFamily.InterNetworkV6);
        using Socket receiver = Net.Udp(AddressFamily.InterNetworkV6);
        var from = (IPEndPoint)sender.LocalEndPoint!;
        var to = (IPEndPoint)receiver.LocalEndPoint!;
        await using LoopbackCapture capture = Captures.Open(from.Port, to.Port);

        await sender.SendToAsync(new byte[1], to, timeout.Token);
        List<WirePacket> packets = await Captures.SinceLastAsync(capture, timeout.Token);

        Assert.Equal($"[::1]:{from.Port} -> [::1]:{to.Port} UDP 1 byte", Assert.Single(packets).Describe());
    }

    [Fact]
    public async Task SendToAClosedPortOverIpv6_ShowsIcmpv6PortUnreachable()
    {
        using var timeout = TestTimeout.Create();
        await UdpCaptureTests.PortUnreachableAsync(IPAddress.IPv6Loopback, WireProtocol.Icmpv6, timeout.Token);
    }
}
