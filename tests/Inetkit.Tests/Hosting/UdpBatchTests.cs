using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Hosting;

/// <summary>
/// Bursts that the Linux receive loop takes many at a time (recvmmsg) and answers many at a time (sendmmsg): each
/// datagram is still judged, answered, addressed and counted on its own.
/// </summary>
public sealed class UdpBatchTests
{
    // 120 datagrams in flight at most: within the default receive buffer (212,992 bytes at about 1 KB of kernel memory each).
    private const int PerSource = 40;

    [Fact]
    public async Task ABurstFromThreeSources_EachAllowedSourceGetsExactlyItsOwnReplies_TheRefusedNone()
    {
        using var timeout = TestTimeout.Create();
        InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with
        {
            Transports = Transport.Udp,
            Access = AccessList.Parse([], ["127.0.0.3"]),
        });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Udp);
        using Socket one = Net.Udp(AddressFamily.InterNetwork, IPAddress.Loopback);
        using Socket two = Net.Udp(AddressFamily.InterNetwork, IPAddress.Parse("127.0.0.2"));
        using Socket refused = Net.Udp(AddressFamily.InterNetwork, IPAddress.Parse("127.0.0.3"));
        Socket[] allowed = [one, two];

        await UdpBurst.SendInterleavedAsync([refused, two, one], endPoint, PerSource, timeout.Token);
        foreach (Socket client in allowed)
        {
            await UdpBurst.AssertOwnRepliesAsync(client, endPoint, PerSource, timeout.Token);
        }

        await server.StopAsync();
        Assert.Equal(0, refused.Available);
        Assert.Equal(3 * PerSource, server.Statistics.DatagramsReceived);
        Assert.Equal(2 * PerSource, server.Statistics.DatagramsAnswered);
        Assert.Equal(PerSource, server.Statistics.DatagramsDropped[UdpVerdict.AccessDenied]);
        Assert.Equal(0, one.Available + two.Available);
    }

    [Fact]
    public async Task ABurstOverIPv6_EachClientGetsItsOwnReplies()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Udp });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Udp, ipv6: true);
        using Socket first = Net.Udp(AddressFamily.InterNetworkV6);
        using Socket second = Net.Udp(AddressFamily.InterNetworkV6);

        await UdpBurst.SendInterleavedAsync([first, second], endPoint, PerSource, timeout.Token);
        await UdpBurst.AssertOwnRepliesAsync(first, endPoint, PerSource, timeout.Token);
        await UdpBurst.AssertOwnRepliesAsync(second, endPoint, PerSource, timeout.Token);
    }

    [Fact]
    public async Task TheLargestDatagram_AmongSmallOnesInOneBurst_IsEchoedWhole()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Udp });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Udp);
        using Socket client = Net.Udp(AddressFamily.InterNetwork, IPAddress.Loopback);
        client.ReceiveBufferSize = 1 << 20;
        byte[] largest = Net.RandomBytes(65507);
        byte[][] burst = [.. Enumerable.Range(0, 10).Select(i => i == 5 ? largest : Net.RandomBytes(10 + i, seed: i))];
        foreach (byte[] datagram in burst)
        {
            await client.SendToAsync(datagram, SocketFlags.None, endPoint, timeout.Token);
        }

        var buffer = new byte[65536];
        foreach (byte[] expected in burst)
        {
            SocketReceiveFromResult reply = await client.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            Assert.Equal(expected, buffer.AsSpan(0, reply.ReceivedBytes).ToArray());
        }
    }
}
