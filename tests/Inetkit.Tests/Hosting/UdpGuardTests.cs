using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Hosting;

/// <summary>The UDP source policy over real loopback sockets: what is dropped gets no reply, and others are unaffected.</summary>
public sealed class UdpGuardTests
{
    [Fact]
    public async Task DatagramFromAnotherServicesPort_IsDropped_WhileOthersAreServed()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Udp, BindAddresses = [IPAddress.Loopback] });
        IPEndPoint echo = server.EndPoint(ServiceKind.Echo, Transport.Udp);
        // Another loopback address may use the server's own port number as a source: exactly what a second
        // echo server would send from.
        using Socket looper = Net.Udp(AddressFamily.InterNetwork, IPAddress.Parse("127.0.0.2"), echo.Port);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);

        await looper.SendToAsync("ping-pong?"u8.ToArray(), echo, timeout.Token);
        byte[] reply = await Net.UdpExchangeAsync(client, echo, "hello"u8.ToArray(), timeout.Token);

        // One receive loop serves datagrams in order, so the looper's was decided before the client's reply.
        Assert.Equal("hello"u8.ToArray(), reply);
        Assert.Equal(0, looper.Available);
        Assert.Equal(1, server.Statistics.DatagramsDropped[UdpVerdict.ServiceSourcePort]);
    }

    [Fact]
    public async Task DatagramFromPortBelow1024_IsDropped()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Chargen, configure: o => o with { Transports = Transport.Udp, BindAddresses = [IPAddress.Loopback] });
        IPEndPoint chargen = server.EndPoint(ServiceKind.Chargen, Transport.Udp);
        using Socket? lowPort = BindLowPort();
        if (lowPort is null)
        {
            Assert.Skip("binding a port below 1024 needs privilege (root or CAP_NET_BIND_SERVICE); the decision itself is covered by UdpSourcePolicyTests");
        }
        using Socket client = Net.Udp(AddressFamily.InterNetwork);

        await lowPort.SendToAsync("loop?"u8.ToArray(), chargen, timeout.Token);
        byte[] reply = await Net.UdpExchangeAsync(client, chargen, Array.Empty<byte>(), timeout.Token);

        Assert.Equal(512, reply.Length);
        Assert.Equal(0, lowPort.Available);
        Assert.Equal(1, server.Statistics.DatagramsDropped[UdpVerdict.ReservedSourcePort]);
    }

    [Fact]
    public async Task GivenUdpRate_AppliesToLoopbackSources()
    {
        using var timeout = TestTimeout.Create();
        var trace = new TraceRecorder();
        // One datagram a second with a burst of two: the third in quick succession is over the rate.
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, trace, o => o with
        {
            Transports = Transport.Udp,
            UdpRate = 1,
            TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(),
        });
        IPEndPoint echo = server.EndPoint(ServiceKind.Echo, Transport.Udp);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);

        await Net.UdpExchangeAsync(client, echo, "1"u8.ToArray(), timeout.Token);
        await Net.UdpExchangeAsync(client, echo, "2"u8.ToArray(), timeout.Token);
        await client.SendToAsync("3"u8.ToArray(), echo, timeout.Token);
        await trace.WaitForAsync("over its --udp-rate", timeout.Token);

        Assert.Equal(0, client.Available);
        Assert.Equal(1, server.Statistics.DatagramsDropped[UdpVerdict.SourceRateLimited]);
    }

    private static Socket? BindLowPort()
    {
        for (int port = 1023; port >= 900; port--)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                if (e.SocketErrorCode == SocketError.AccessDenied)
                {
                    return null;
                }
            }
        }
        return null;
    }
}
