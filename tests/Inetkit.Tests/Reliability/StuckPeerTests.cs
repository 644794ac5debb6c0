using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Scanning.Internal;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// Peers that get stuck: 1,000 that connect and never send, then push data and never read, then reset mid-stream;
/// and one that vanishes while the echo waits to write to it. Memory stays bounded by one echo buffer per
/// connection however much the clients push, and every descriptor, connection task, timer and buffer comes back.
/// </summary>
[Collection(Alone.Name)]
public sealed class StuckPeerTests
{
    private const int Clients = 1000;
    private const int EchoBuffer = 16 * 1024;
    // Each client pushes until the kernel takes no more, or this much: enough to fill every buffer on the way
    // many times over, short of the kernel's own TCP memory limit (which 1,000 unbounded clients reach at ~2 GB).
    private const int PushCap = 1 << 20;

    [Fact]
    public async Task ThousandClientsThatSendAndNeverRead_CostOneBufferEach_ThenEveryDescriptorTaskTimerAndBufferComesBack()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "counts descriptors in /proc/self/fd");
        Assert.SkipUnless((DescriptorBudget.SoftLimit(File.ReadLines("/proc/self/limits")) ?? long.MaxValue) >= 2 * Clients + 500, $"needs an open-file limit of {2 * Clients + 500} (ulimit -n): both ends of {Clients:N0} connections live in this process");
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(120));
        using var ledger = new ArrayPoolLedger(EchoBuffer);
        int socketsBefore = OpenSockets();
        long timersBefore = Timer.ActiveCount;
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Tcp, MaxConnections = Clients + 1 });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        var clients = new List<Socket>(Clients);
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                clients.Add(await ConnectNonReadingAsync(endPoint, timeout.Token));
            }
            await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == Clients, timeout.Token);
            long heapConnected = GC.GetTotalMemory(forceFullCollection: true);
            // Connected and silent: an idle echo waits for data without holding a buffer.
            Assert.Equal(0, ledger.Outstanding);

            long pushed = PushUntilRefused(clients);
            long heapPushed = GC.GetTotalMemory(forceFullCollection: true);

            // Each client pushed many times the one 16 KB buffer the server may hold for it (how much exactly is the
            // kernel's: its socket buffers on the way take about 256 KB a connection, less under memory pressure),
            // and the heap (server and these 1,000 client sockets together) grew by less than twice that buffer each.
            Assert.True(pushed >= Clients * 8L * EchoBuffer, $"the clients pushed only {pushed:N0} bytes");
            Assert.InRange(ledger.Outstanding, 0, Clients); // the echoes stalled on a client that does not read
            Assert.True(heapPushed - heapConnected < Clients * 2L * EchoBuffer, $"heap grew {heapPushed - heapConnected:N0} bytes while {Clients:N0} clients pushed {pushed:N0}");
            // The echo got going: the clients' own receive queues hold what came back.
            await Wait.UntilAsync(() => clients.Count(c => c.Available > 0) >= Clients / 2, timeout.Token);

            // Back-pressure on a thousand does not stall the next client.
            using (Socket fresh = await Net.ConnectAsync(endPoint, timeout.Token))
            {
                await Net.SendAllAsync(fresh, "still serving"u8.ToArray(), timeout.Token);
                Assert.Equal("still serving"u8.ToArray(), await Net.ReadExactlyAsync(fresh, 13, timeout.Token));
            }
        }
        finally
        {
            // Closing with unread data resets: every stuck connection ends mid-stream.
            clients.ForEach(c => c.Dispose());
        }

        await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == 0, timeout.Token);
        Assert.Equal(0, ledger.Outstanding);
        await server.StopAsync();
        // Every socket of the 2,000 ends and the listener is closed: the process holds the sockets it held before.
        await Wait.UntilAsync(() => OpenSockets() <= socketsBefore, timeout.Token);
        Assert.True(Timer.ActiveCount <= timersBefore, $"{Timer.ActiveCount - timersBefore} timers outlived the server");
    }

    // Traced, the echo runs on the stream path; untraced on Linux, on the epoll loops (EpollStreamConnection).
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AClientThatVanishesWhileTheEchoWaitsToWrite_IsClosedByTheIdleTimeout_AndItsBufferComesBack(bool traced)
    {
        using var timeout = TestTimeout.Create();
        using var ledger = new ArrayPoolLedger(EchoBuffer);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        TraceRecorder? trace = traced ? new TraceRecorder() : null;
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, trace, o => o with { Transports = Transport.Tcp, TimeProvider = clock, IdleTimeout = TimeSpan.FromSeconds(30) });
        using Socket gone = await ConnectNonReadingAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), timeout.Token);

        // It sends more than every buffer on the way can hold and then never moves again: to the server, a peer
        // that vanished with an echo write pending forever. (Its send fails once the server gives up on it.)
        Task pushing = gone.SendAsync(Net.RandomBytes(8 << 20), SocketFlags.None, timeout.Token).AsTask();
        // A sendall is told as it begins: the last line is one when the echo waits to write.
        // Untraced, the one buffer is rented only once the echo's write has stalled.
        await Wait.UntilAsync(() => ledger.Outstanding == 1 && (trace is null || trace.Lines[^1].Contains("] sendall(", StringComparison.Ordinal)), timeout.Token);
        // The echo's last write may still complete after that, and a write counts as activity: move the clock on
        // until the idle timeout has fired.
        await Wait.UntilAsync(() =>
        {
            clock.Advance(TimeSpan.FromSeconds(31));
            return server.Statistics.ConnectionsTimedOut == 1;
        }, timeout.Token);
        if (trace is not null)
        {
            await trace.WaitForAsync("close() (idle timeout)", timeout.Token);
        }

        await Assert.ThrowsAnyAsync<SocketException>(() => pushing);
        Assert.Equal(1, server.Statistics.ConnectionsTimedOut);
        await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == 0, timeout.Token);
        Assert.Equal(0, ledger.Outstanding);
    }

    private static async Task<Socket> ConnectNonReadingAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            // Small buffers on the side that never reads, so the echo's writes stall after a few kilobytes.
            ReceiveBufferSize = 4096,
            SendBufferSize = 64 * 1024,
        };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            socket.Blocking = false;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Each socket sends until its kernel would block or <see cref="PushCap"/> is reached, in rounds, until a round moves nothing.</summary>
    private static long PushUntilRefused(List<Socket> sockets)
    {
        byte[] chunk = Net.RandomBytes(64 * 1024);
        long[] sent = new long[sockets.Count];
        long progress;
        do
        {
            progress = 0;
            for (int i = 0; i < sockets.Count; i++)
            {
                while (sent[i] < PushCap)
                {
                    int n = sockets[i].Send(chunk, 0, (int)Math.Min(chunk.Length, PushCap - sent[i]), SocketFlags.None, out SocketError error);
                    if (error != SocketError.Success || n == 0)
                    {
                        break;
                    }
                    sent[i] += n;
                    progress += n;
                }
            }
        }
        while (progress > 0);
        return sent.Sum();
    }

    // Sockets only: the runtime opens other descriptors lazily as the test goes (each assembly it loads, for one).
    private static int OpenSockets() => Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd =>
    {
        try
        {
            return new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true;
        }
        catch (IOException)
        {
            return false; // closed while we looked
        }
    });
}
