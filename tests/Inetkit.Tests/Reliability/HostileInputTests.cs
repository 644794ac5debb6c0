using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// Random bytes, empty and maximum-size datagrams, and abandoned connections thrown at every service: each datagram
/// is received and judged, nothing stops a service, and each still answers a proper request afterwards.
/// </summary>
public sealed class HostileInputTests
{
    // Empty, one byte, a classic 512, just past 1,500 (no longer one Ethernet frame), and the largest IPv4 payload.
    private static readonly int[] DatagramSizes = [0, 1, 512, 1501, 65_507];

    public static TheoryData<ServiceKind> EveryService => [.. WellKnownPorts.All];

    [Theory]
    [MemberData(nameof(EveryService))]
    public async Task Udp_RandomDatagramsOfEverySize_AllReceived_ServiceStillAnswers(ServiceKind service)
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(service, configure: o => o with { Transports = Transport.Udp });
        IPEndPoint endPoint = server.EndPoint(service, Transport.Udp);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        int seed = 0, sent = 0;
        foreach (int size in DatagramSizes)
        {
            for (int i = 0; i < 20; i++)
            {
                await client.SendToAsync(Net.RandomBytes(size, ++seed), SocketFlags.None, endPoint, timeout.Token);
                sent++;
                // One at a time, each seen by the server before the next: a burst of 64 KB datagrams would overflow
                // the socket's receive buffer in the kernel, which says nothing about the server.
                while (server.Statistics.DatagramsReceived < sent)
                {
                    await Task.Delay(1, timeout.Token);
                }
            }
        }

        if (service != ServiceKind.Discard)
        {
            using Socket fresh = Net.Udp(AddressFamily.InterNetwork);
            Assert.NotEmpty(await Net.UdpExchangeAsync(fresh, endPoint, "still there?"u8.ToArray(), timeout.Token));
        }
        Assert.Equal(0, server.Statistics.TotalDatagramsDropped);
    }

    [Theory]
    [MemberData(nameof(EveryService))]
    public async Task Tcp_RandomBytesThenAbandoned_Or_ResetMidStream_ServiceStillServes(ServiceKind service)
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(service, configure: o => o with { Transports = Transport.Tcp });
        IPEndPoint endPoint = server.EndPoint(service, Transport.Tcp);

        // One client sends 256 KB of noise and vanishes with a reset; another sends noise and just closes.
        using (Socket rude = await Net.ConnectAsync(endPoint, timeout.Token))
        {
            await rude.SendAsync(Net.RandomBytes(256 * 1024 / 4), SocketFlags.None, timeout.Token);
            rude.LingerState = new LingerOption(true, 0);
        }
        using (Socket quitter = await Net.ConnectAsync(endPoint, timeout.Token))
        {
            await quitter.SendAsync(Net.RandomBytes(4096, seed: 865), SocketFlags.None, timeout.Token);
        }

        using Socket polite = await Net.ConnectAsync(endPoint, timeout.Token);
        byte[] request = "hello"u8.ToArray();
        await Net.SendAllAsync(polite, request, timeout.Token);
        switch (service)
        {
            case ServiceKind.Echo:
                Assert.Equal(request, await Net.ReadExactlyAsync(polite, request.Length, timeout.Token));
                break;
            case ServiceKind.Chargen:
                Assert.Equal(ChargenPattern.Slice(0, 74).ToArray(), await Net.ReadExactlyAsync(polite, 74, timeout.Token));
                break;
            case ServiceKind.Discard:
                polite.Shutdown(SocketShutdown.Send);
                Assert.Empty(await Net.ReadToEndAsync(polite, timeout.Token));
                break;
            default:
                Assert.NotEmpty(await Net.ReadToEndAsync(polite, timeout.Token));
                break;
        }
        Assert.Equal(3, server.Statistics.ConnectionsAccepted);
    }
}
