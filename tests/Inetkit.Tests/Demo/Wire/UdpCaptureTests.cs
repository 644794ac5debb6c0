using System.Net;
using System.Net.Sockets;
using Inetkit.Demo.Wire;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>UDP on loopback as the capture draws it: a datagram once, and the ICMP error a closed port answers with.</summary>
public sealed class UdpCaptureTests
{
    [Fact]
    public async Task Datagram_AppearsOnce_WithItsLength_AndNoHandshake()
    {
        using var timeout = TestTimeout.Create();
        using Socket sender = Net.Udp(AddressFamily.InterNetwork);
        using Socket receiver = Net.Udp(AddressFamily.InterNetwork);
        var from = (IPEndPoint)sender.LocalEndPoint!;
        var to = (IPEndPoint)receiver.LocalEndPoint!;
        await using LoopbackCapture capture = Captures.Open(from.Port, to.Port);

        await sender.SendToAsync("hello world"u8.ToArray(), to, timeout.Token);
        List<WirePacket> packets = await Captures.SinceLastAsync(capture, timeout.Token);

        WirePacket datagram = Assert.Single(packets);
        Assert.Equal((WireProtocol.Udp, from, to, 11), (datagram.Protocol, datagram.Source, datagram.Destination, datagram.PayloadLength));
        Assert.Equal("hello world"u8.ToArray(), datagram.Payload.ToArray());
        Assert.Equal($"{from} -> {to} UDP 11 bytes", datagram.Describe());
    }

    [Fact]
    public async Task SendToAClosedPort_ShowsThePortUnreachable_QuotingIt()
    {
        using var timeout = TestTimeout.Create();
        await PortUnreachableAsync(IPAddress.Loopback, WireProtocol.Icmp, timeout.Token);
    }

    /// <summary>
    /// A datagram to a port nothing holds, on a connected socket so the ICMP error comes back as a refused receive:
    /// that is when it has been on the wire. Checks the capture drew the datagram, then the ICMP error quoting it.
    /// </summary>
    internal static async Task PortUnreachableAsync(IPAddress loopback, WireProtocol icmp, CancellationToken cancellationToken)
    {
        using Socket sender = Net.Udp(loopback.AddressFamily);
        var from = (IPEndPoint)sender.LocalEndPoint!;
        var closed = new IPEndPoint(loopback, TcpCaptureTests.ClosedPort(loopback.AddressFamily));
        await using LoopbackCapture capture = Captures.Open(from.Port, closed.Port);
        sender.Connect(closed);

        int sent = await SendUntilRefusedAsync(sender, cancellationToken);
        List<WirePacket> packets = await Captures.SinceLastAsync(capture, cancellationToken);

        string all = $"{sent} sent:\n{Captures.Show(packets)}";
        Assert.True(sent == packets.Count(p => p.Protocol == WireProtocol.Udp && p.Between(from, closed) && p.PayloadLength == 5), all);
        WirePacket? error = packets.FirstOrDefault(p => p.Protocol == icmp);
        Assert.True(error is not null, all);
        Assert.True(error.IsPortUnreachable, all);
        Assert.Equal((WireProtocol.Udp, from, closed), (error.QuotedProtocol, error.QuotedSource, error.QuotedDestination));
        Assert.Equal((loopback, loopback), (error.Source.Address, error.Destination.Address));
        Assert.Equal($"{loopback} -> {loopback} {(icmp == WireProtocol.Icmp ? "ICMP" : "ICMPv6")} port unreachable (for UDP {closed})", error.Describe());
        Assert.True(packets.IndexOf(error) > packets.FindIndex(p => p.Protocol == WireProtocol.Udp), all);
        Assert.All(packets, p => Assert.True(p.Protocol == WireProtocol.Udp || p.IsPortUnreachable, all));
        Assert.InRange(packets.Count(p => p.IsPortUnreachable), 1, sent);
    }

    /// <summary>
    /// Sends until the socket reports the refusal, and returns how many datagrams went out. A datagram whose error
    /// does not come back within a second (a kernel under load may rate-limit ICMP errors) is followed by another,
    /// a few times at most; an error that comes back between two tries is reported by the next send instead.
    /// </summary>
    private static async Task<int> SendUntilRefusedAsync(Socket sender, CancellationToken cancellationToken)
    {
        var buffer = new byte[16];
        for (int sent = 0; ; )
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (sent < 4)
            {
                wait.CancelAfter(TimeSpan.FromSeconds(1));
            }
            try
            {
                await sender.SendAsync("probe"u8.ToArray(), SocketFlags.None, cancellationToken);
                sent++;
                await sender.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                Assert.Fail("a closed port answered");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return sent;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // No error came back for this one: send another.
            }
        }
    }
}
