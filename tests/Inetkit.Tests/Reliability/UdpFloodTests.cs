using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// A UDP flood as fast as four sockets can send, of small and of maximum-size datagrams, at the echo and at chargen
/// (which answers 512 bytes to anything from loopback): the server keeps answering throughout, its heap does not
/// grow with the flood, and the first request after it is answered. The kernel drops what the socket's queue
/// cannot hold; nothing in the server queues more.
/// </summary>
[Collection(Alone.Name)]
public sealed class UdpFloodTests
{
    private const int Senders = 4;

    [Theory]
    [InlineData(ServiceKind.Echo, 64, 100_000)]
    [InlineData(ServiceKind.Echo, 65_507, 4_000)]
    [InlineData(ServiceKind.Chargen, 1, 100_000)]
    public async Task FloodAtFullSpeed_ServerKeepsAnswering_HeapStaysFlat_RecoversAtOnce(ServiceKind service, int size, int perSender)
    {
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(120));
        await using InetServer server = await Servers.StartAsync(service, configure: o => o with { Transports = Transport.Udp });
        IPEndPoint endPoint = server.EndPoint(service, Transport.Udp);
        Assert.NotEmpty(await Net.UdpExchangeAsync(endPoint, new byte[size], timeout.Token)); // warm: the loop has run once
        long sent = 0;
        Task FloodAsync(int count) => Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(() =>
        {
            using Socket flood = Net.Udp(AddressFamily.InterNetwork);
            flood.Connect(endPoint);
            byte[] datagram = new byte[size];
            for (int i = 0; i < count; i++)
            {
                // Nobody reads the replies: they pile up in this socket's queue until the kernel drops them.
                if (flood.Send(datagram, SocketFlags.None, out SocketError error) == size && error == SocketError.Success)
                {
                    Interlocked.Increment(ref sent);
                }
            }
        }, timeout.Token)));
        // A tenth of the flood first, so that what the process sets up once under load (pool threads, their caches,
        // tiered code) is in place before the heap is measured: the measure is of the whole test process.
        await FloodAsync(perSender / 10);
        sent = 0;
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        await FloodAsync(perSender);

        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        InetServerStatistics stats = server.Statistics;
        // The server answered a share of the flood while it came (the rest the kernel dropped from the full queue)...
        Assert.True(stats.DatagramsAnswered > Senders, $"{stats.DatagramsAnswered:N0} answered of {sent:N0} sent");
        Assert.Equal(0, stats.TotalDatagramsDropped); // loopback is not rate-limited by default: what arrived was answered
        // ...holding nothing per datagram: the heap is where it was, give or take a megabyte of the runtime's own.
        Assert.True(heapAfter - heapBefore < 1 << 20, $"heap grew {heapAfter - heapBefore:N0} bytes over a flood of {sent:N0} datagrams");

        // A request after the flood is answered (behind at most one queue's worth of the flood).
        byte[] request = Net.RandomBytes(Math.Min(size, 1024));
        byte[] reply = await ExchangeRetryingAsync(endPoint, request, timeout.Token);
        if (service == ServiceKind.Echo)
        {
            Assert.Equal(request, reply);
        }
        else
        {
            Assert.NotEmpty(reply);
        }
    }

    /// <summary>
    /// One request, sent again every 100 ms until answered, as a UDP client does: while the flood's backlog still
    /// fills the server's queue, the kernel drops a request on arrival (seen once in four CI runs), and that is the
    /// kernel's choice, not the server's.
    /// </summary>
    private static async Task<byte[]> ExchangeRetryingAsync(IPEndPoint server, byte[] request, CancellationToken cancellationToken)
    {
        using Socket socket = Net.Udp(AddressFamily.InterNetwork);
        while (true)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromMilliseconds(100));
            try
            {
                return await Net.UdpExchangeAsync(socket, server, request, attempt.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Dropped on arrival, or its reply was: send it again.
            }
        }
    }
}
