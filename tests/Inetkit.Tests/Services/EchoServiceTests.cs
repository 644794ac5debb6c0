using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Services;

public sealed class EchoServiceTests
{
    [Theory]
    [MemberData(nameof(TransportData.Both), MemberType = typeof(TransportData))]
    public async Task Echo_ReturnsWhatWasSent(Transport transport, bool ipv6)
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        byte[] request = "Hello World"u8.ToArray();

        byte[] reply = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Echo, transport, ipv6), transport, request, timeout.Token);

        Assert.Equal(request, reply);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(512)]
    [InlineData(8192)]
    [InlineData(65507)]
    public async Task Udp_AnySizeUpToTheIPv4Maximum_ComesBackUnchanged(int size)
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        byte[] request = Net.RandomBytes(size);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        client.ReceiveBufferSize = 1 << 20;

        byte[] reply = await Net.UdpExchangeAsync(client, server.EndPoint(ServiceKind.Echo, Transport.Udp), request, timeout.Token);

        Assert.Equal(request, reply);
    }

    [Fact]
    public async Task Tcp_LargeStreamWithConcurrentReading_EveryByteBackInOrder()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        byte[] data = Net.RandomBytes(4 * 1024 * 1024);
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), timeout.Token);

        Task<byte[]> reading = Net.ReadToEndAsync(client, timeout.Token);
        await Net.SendAllAsync(client, data, timeout.Token);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(data, await reading);
    }

    [Fact]
    public async Task Tcp_HalfClose_EchoFinishesSendingBeforeItCloses()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        byte[] data = Net.RandomBytes(200_000);
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), timeout.Token);
        // The client's receive buffer is smaller than the data, so the echo is still sending when the FIN arrives.
        client.ReceiveBufferSize = 4096;

        await Net.SendAllAsync(client, data, timeout.Token);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(data, await Net.ReadToEndAsync(client, timeout.Token));
    }

    [Fact]
    public async Task Tcp_ManyExchangesOnOneConnection()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), timeout.Token);

        for (int i = 0; i < 100; i++)
        {
            byte[] message = Net.RandomBytes(1 + i, seed: i);
            await Net.SendAllAsync(client, message, timeout.Token);
            Assert.Equal(message, await Net.ReadExactlyAsync(client, message.Length, timeout.Token));
        }
    }

    [Fact]
    public async Task Tcp_ClientThatNeverReads_IsHeldBackByTcpNotBufferedByTheServer()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), timeout.Token);
        client.Blocking = false;
        byte[] chunk = new byte[64 * 1024];
        long accepted = 0;
        const long Ceiling = 256L * 1024 * 1024;

        // Write without ever reading until the socket stays unwritable. A server that buffered without limit
        // would keep draining us, and we would pass the ceiling.
        while (accepted < Ceiling)
        {
            int sent = client.Send(chunk, 0, chunk.Length, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
            {
                if (!client.Poll(TimeSpan.FromSeconds(1), SelectMode.SelectWrite))
                {
                    break;
                }
                continue;
            }
            Assert.Equal(SocketError.Success, error);
            accepted += sent;
        }

        // Kernel buffers on both sides plus one 16 KiB read buffer: a few megabytes, nowhere near the ceiling.
        Assert.InRange(accepted, 1, 64L * 1024 * 1024);
        Assert.Equal(1, server.Statistics.ConnectionsOpen);
    }
}
