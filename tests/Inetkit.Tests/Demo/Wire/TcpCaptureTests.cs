using System.Net;
using System.Net.Sockets;
using Inetkit.Demo.Wire;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>A TCP connection on 127.0.0.1 as the capture draws it, packet by packet, between the socket calls.</summary>
public sealed class TcpCaptureTests
{
    [Fact]
    public async Task ConnectSendClose_HandshakeThenDataThenAFinEachWay_EachPacketOnce()
    {
        using var timeout = TestTimeout.Create();
        CancellationToken ct = timeout.Token;
        using Socket listener = Listen(IPAddress.Loopback);
        var server = (IPEndPoint)listener.LocalEndPoint!;
        await using LoopbackCapture capture = Captures.Open(server.Port);

        DateTimeOffset before = DateTimeOffset.UtcNow;
        using Socket client = await Net.ConnectAsync(server, ct);
        using Socket accepted = await listener.AcceptAsync(ct);
        List<WirePacket> handshake = await Captures.SinceLastAsync(capture, ct);
        DateTimeOffset after = DateTimeOffset.UtcNow;
        var from = (IPEndPoint)client.LocalEndPoint!;

        await Net.SendAllAsync(client, "hello"u8.ToArray(), ct);
        Assert.Equal("hello"u8.ToArray(), await Net.ReadExactlyAsync(accepted, 5, ct));
        List<WirePacket> data = await Captures.SinceLastAsync(capture, ct);

        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await Net.ReadToEndAsync(accepted, ct));
        accepted.Shutdown(SocketShutdown.Send);
        Assert.Empty(await Net.ReadToEndAsync(client, ct));
        // The client's kernel acknowledges the server's FIN as it arrives: waited for, not timed.
        List<WirePacket> closing = await Captures.UntilAsync(capture, p => p.Between(from, server) && p.Flags == "ACK" && p.RelativeAck == 2, ct);

        string all = Captures.Show([.. handshake, .. data, .. closing]);
        Assert.Equal(
            [(from, server, "SYN", 0u, 0u, 0), (server, from, "SYN/ACK", 0u, 1u, 0), (from, server, "ACK", 1u, 1u, 0)],
            handshake.Select(p => (p.Source, p.Destination, p.Flags, p.RelativeSeq, p.RelativeAck, p.PayloadLength)));
        WirePacket syn = handshake[0];
        Assert.Equal($"{from} -> {server} TCP [SYN] seq=0 win={syn.Window} len=0", syn.Describe());
        Assert.InRange(syn.At, before, after);
        // Right after the handshake the window is about what the SYN offered: scaled, not the raw field.
        Assert.InRange(handshake[2].Window, syn.Window / 2, int.MaxValue);

        WirePacket sent = data[0];
        Assert.Equal((from, server, "PSH/ACK", 1u, 1u, 5), (sent.Source, sent.Destination, sent.Flags, sent.RelativeSeq, sent.RelativeAck, sent.PayloadLength));
        Assert.Equal("hello"u8.ToArray(), sent.Payload.ToArray());
        Assert.All(data.Skip(1), p => Assert.Equal((server, from, "ACK", 6u), (p.Source, p.Destination, p.Flags, p.RelativeAck)));

        // Loopback shows each packet leaving and arriving: one copy each here.
        Assert.Single(handshake.Concat(data).Concat(closing), p => p.Flags == "SYN");
        Assert.Single(data, p => p.Flags == "PSH/ACK");
        WirePacket clientFin = Assert.Single(closing, p => p.Flags.Contains("FIN") && p.Between(from, server));
        WirePacket serverFin = Assert.Single(closing, p => p.Flags.Contains("FIN") && p.Between(server, from));
        Assert.Equal(("FIN/ACK", 6u, 1u), (clientFin.Flags, clientFin.RelativeSeq, clientFin.RelativeAck));
        Assert.Equal(("FIN/ACK", 1u, 7u), (serverFin.Flags, serverFin.RelativeSeq, serverFin.RelativeAck));
        Assert.True(closing.IndexOf(clientFin) < closing.IndexOf(serverFin), all);
        WirePacket last = closing[^1];
        Assert.Equal((from, server, "ACK", 7u, 2u), (last.Source, last.Destination, last.Flags, last.RelativeSeq, last.RelativeAck));
    }

    [Fact]
    public async Task ConnectToAClosedPort_ShowsSynThenRstAck()
    {
        using var timeout = TestTimeout.Create();
        int closed = ClosedPort(AddressFamily.InterNetwork);
        var server = new IPEndPoint(IPAddress.Loopback, closed);
        await using LoopbackCapture capture = Captures.Open(closed);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Bound first: a refused connect gives back a port it chose itself, and the test wants to know it.
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var from = (IPEndPoint)client.LocalEndPoint!;
        SocketException refused = await Assert.ThrowsAsync<SocketException>(async () => await client.ConnectAsync(server, timeout.Token));
        List<WirePacket> packets = await Captures.SinceLastAsync(capture, timeout.Token);

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal(
            [(from, server, "SYN", 0u, 0u), (server, from, "RST/ACK", 0u, 1u)],
            packets.Select(p => (p.Source, p.Destination, p.Flags, p.RelativeSeq, p.RelativeAck)));
    }

    internal static Socket Listen(IPAddress address)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen();
        return listener;
    }

    /// <summary>A port the kernel just handed out and that nothing holds any more, for TCP and UDP alike.</summary>
    internal static int ClosedPort(AddressFamily family) => FreePorts.ForTcpAndUdp(1, ipv6: family == AddressFamily.InterNetworkV6)[0];
}
