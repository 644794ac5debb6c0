using System.Net;
using System.Net.Sockets;
using Inetkit.Demo.Wire.Internal;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>The kernel-side filter on a bare packet socket: what it does not let through is never queued at all.</summary>
public sealed class LoopbackFilterTests
{
    [Fact]
    public async Task OtherPorts_NeverReachTheSocket()
    {
        using var timeout = TestTimeout.Create();
        using Socket sender = Net.Udp(AddressFamily.InterNetworkV6);
        using Socket watched = Net.Udp(AddressFamily.InterNetworkV6);
        using Socket other = Net.Udp(AddressFamily.InterNetworkV6);
        using PacketSocket socket = Open(((IPEndPoint)watched.LocalEndPoint!).Port);

        for (int i = 0; i < 20; i++)
        {
            await sender.SendToAsync("other"u8.ToArray(), other.LocalEndPoint!, timeout.Token);
        }
        await sender.SendToAsync("watched"u8.ToArray(), watched.LocalEndPoint!, timeout.Token);

        // Loopback keeps order: had the others been let through, they would come first. (Any ICMP is let
        // through, for the reader to judge by what it quotes: other tests' may come too.)
        var to = (IPEndPoint)watched.LocalEndPoint!;
        var seen = new List<IPEndPoint>();
        var buffer = new byte[PacketSocket.SnapLength];
        while (!seen.Contains(to))
        {
            Assert.True(socket.WaitReadable(TestTimeout.Bound), "the watched datagram did not come");
            if (socket.TryRead(buffer, out CapturedFrame frame) && FrameDissector.Dissect(buffer, frame)?.Packet is { Protocol: not (Inetkit.Demo.Wire.WireProtocol.Icmp or Inetkit.Demo.Wire.WireProtocol.Icmpv6) } packet)
            {
                Assert.False(frame.Outgoing);
                seen.Add(packet.Destination);
            }
        }
        Assert.Equal([to], seen);
    }

    [Fact]
    public void ManyPorts_StayWithinReachOfTheJumps()
    {
        LoopbackFilter.Instruction[] program = LoopbackFilter.Compile([.. Enumerable.Range(1000, LoopbackFilter.MaxPorts)]);

        Assert.InRange(program.Length, 4 * LoopbackFilter.MaxPorts, 4096);
    }

    private static PacketSocket Open(int port)
    {
        Assert.SkipWhen(Environment.UserName != "root", "a packet socket needs root or CAP_NET_RAW");
        return PacketSocket.OpenLoopback(LoopbackFilter.Compile([port]));
    }
}
