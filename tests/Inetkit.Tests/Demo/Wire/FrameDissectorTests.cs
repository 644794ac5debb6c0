using System.Net;
using System.Net.NetworkInformation;
using Inetkit.Demo.Wire;
using Inetkit.Demo.Wire.Internal;
using PacketDotNet;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>
/// Frames built with PacketDotNet and cut at the capture's snap length, as the packet socket hands them over:
/// lengths come from the headers, payload bytes from what was read.
/// </summary>
public sealed class FrameDissectorTests
{
    // lo's own hardware address: six zero bytes.
    private static readonly PhysicalAddress Loopback = new(new byte[6]);

    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-01-02T03:04:05.1234567Z");

    [Fact]
    public void LongTcpSegment_CutShort_KeepsItsLengthAndFirst64Bytes()
    {
        byte[] payload = Inetkit.Tests.Support.Net.RandomBytes(1000);
        var tcp = new TcpPacket(40000, 5000) { SequenceNumber = 11, AcknowledgmentNumber = 22, Flags = TcpFlagNames.Psh | TcpFlagNames.Ack, WindowSize = 512, PayloadData = payload };

        Dissected dissected = Dissect(Frame(IPAddress.Loopback, tcp));

        WirePacket packet = dissected.Packet;
        Assert.Equal((WireProtocol.Tcp, "127.0.0.1:40000", "127.0.0.1:5000", "PSH/ACK"), (packet.Protocol, packet.Source.ToString(), packet.Destination.ToString(), packet.Flags));
        Assert.Equal(1000, packet.PayloadLength);
        Assert.Equal(payload[..64], packet.Payload.ToArray());
        Assert.Equal(new TcpHeader(11, 22, TcpFlagNames.Psh | TcpFlagNames.Ack, 512, null), dissected.Tcp);
        Assert.Equal(At, packet.At);
    }

    [Fact]
    public void Syn_CarriesItsWindowScale()
    {
        // Ports 40000 and 5000, seq 7, ack 0, a 32-byte header, SYN, window 65495; then MSS 65495, NOP, NOP,
        // SACK permitted, NOP, window scale 7.
        byte[] header = [0x9c, 0x40, 0x13, 0x88, 0, 0, 0, 7, 0, 0, 0, 0, 8 << 4, (byte)TcpFlagNames.Syn, 0xff, 0xd7, 0, 0, 0, 0, 2, 4, 0xff, 0xd7, 1, 1, 4, 2, 1, 3, 3, 7];
        var ip = new IPv4Packet(IPAddress.Loopback, IPAddress.Loopback) { Protocol = PacketDotNet.ProtocolType.Tcp, PayloadData = header };

        Dissected dissected = Dissect(Frame(ip));

        Assert.Equal(new TcpHeader(7, 0, TcpFlagNames.Syn, 65495, 7), dissected.Tcp);
        Assert.Equal((65495, 0), (dissected.Packet.Window, dissected.Packet.PayloadLength));
    }

    [Fact]
    public void LongUdpDatagram_OverIPv6_CutShort_KeepsItsLength()
    {
        byte[] payload = Inetkit.Tests.Support.Net.RandomBytes(3000);
        var udp = new UdpPacket(40000, 5000) { PayloadData = payload };

        WirePacket packet = Dissect(Frame(IPAddress.IPv6Loopback, udp)).Packet;

        Assert.Equal((WireProtocol.Udp, "[::1]:40000", "[::1]:5000", 3000), (packet.Protocol, packet.Source.ToString(), packet.Destination.ToString(), packet.PayloadLength));
        Assert.Equal(payload[..64], packet.Payload.ToArray());
    }

    [Fact]
    public void PortUnreachable_QuotingOnlyEightBytesBeyondTheHeader_StillNamesThePorts()
    {
        var udp = new UdpPacket(40000, 5001) { PayloadData = "hello"u8.ToArray() };
        var original = new IPv4Packet(IPAddress.Loopback, IPAddress.Loopback) { PayloadPacket = udp };
        original.UpdateCalculatedValues();
        byte[] quote = original.Bytes[..(20 + 8)];
        byte[] icmp = [3, 3, 0, 0, 0, 0, 0, 0, .. quote];
        var ip = new IPv4Packet(IPAddress.Loopback, IPAddress.Loopback) { Protocol = PacketDotNet.ProtocolType.Icmp, PayloadData = icmp };

        Dissected dissected = Dissect(Frame(ip));

        Assert.Equal("127.0.0.1 -> 127.0.0.1 ICMP port unreachable (for UDP 127.0.0.1:5001)", dissected.Packet.Describe());
        Assert.Equal(("127.0.0.1:40000", "127.0.0.1:5001"), (dissected.Packet.QuotedSource?.ToString(), dissected.Packet.QuotedDestination?.ToString()));
        // A filter judges an ICMP error by the datagram it is about.
        Assert.Equal((dissected.Packet.QuotedSource, dissected.Packet.QuotedDestination), (dissected.FilterSource, dissected.FilterDestination));
    }

    [Fact]
    public void NotIp_IsLeftOut()
    {
        var arp = new EthernetPacket(Loopback, Loopback, EthernetType.Arp) { PayloadData = new byte[28] };

        Assert.Null(FrameDissector.Dissect(Pad(arp.Bytes), new CapturedFrame(arp.Bytes.Length, arp.Bytes.Length, 1, false, At)));
    }

    [Theory]
    [InlineData(14 + 10)]
    [InlineData(14 + 20 + 10)]
    [InlineData(14 + 20 + 20 + 6)]
    public void CutInsideAHeader_IsLeftOut_WhateverTheBufferHoldsBeyond(int captured)
    {
        // A SYN with 12 bytes of options, the rest of the buffer what an earlier, longer frame left there.
        byte[] frame = Frame(new IPv4Packet(IPAddress.Loopback, IPAddress.Loopback) { Protocol = PacketDotNet.ProtocolType.Tcp, PayloadData = new byte[32] });
        frame[14 + 20 + 12] = 8 << 4;
        byte[] buffer = Inetkit.Tests.Support.Net.RandomBytes(PacketSocket.SnapLength);
        frame[..captured].CopyTo(buffer, 0);

        Assert.Null(FrameDissector.Dissect(buffer, new CapturedFrame(captured, frame.Length, 1, false, At)));
    }

    private static byte[] Frame(IPAddress address, TransportPacket transport)
    {
        IPPacket ip = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? new IPv6Packet(address, address) : new IPv4Packet(address, address);
        ip.PayloadPacket = transport;
        return Frame(ip);
    }

    private static byte[] Frame(IPPacket ip)
    {
        var ethernet = new EthernetPacket(Loopback, Loopback, ip is IPv6Packet ? EthernetType.IPv6 : EthernetType.IPv4) { PayloadPacket = ip };
        ethernet.UpdateCalculatedValues();
        return ethernet.Bytes;
    }

    /// <summary>The frame as a read of the packet socket leaves it: at most the snap length, in a buffer of that size.</summary>
    private static Dissected Dissect(byte[] frame)
    {
        int captured = Math.Min(frame.Length, PacketSocket.SnapLength);
        Dissected? dissected = FrameDissector.Dissect(Pad(frame[..captured]), new CapturedFrame(captured, frame.Length, 1, false, At));
        Assert.NotNull(dissected);
        return dissected;
    }

    private static byte[] Pad(byte[] bytes)
    {
        var buffer = new byte[PacketSocket.SnapLength];
        bytes.CopyTo(buffer, 0);
        return buffer;
    }
}
