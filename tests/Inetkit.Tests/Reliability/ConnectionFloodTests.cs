using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Scanning.Internal;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// 10,000 TCP connections opened as fast as the kernel takes them against a server capped at 1,000, while one
/// client streams through the echo: the cap holds, every excess client is closed at once, every admitted one is
/// served, and the streaming client loses no byte.
/// </summary>
[Collection(Alone.Name)]
public sealed class ConnectionFloodTests
{
    private const int Cap = 1000;
    private const int Flood = 10_000;

    [Fact]
    public async Task TenThousandConnections_AgainstACapOf1000_CapHolds_ExcessClosedAtOnce_ServedClientLosesNothing()
    {
        Assert.SkipUnless((DescriptorBudget.SoftLimit(File.ReadLines("/proc/self/limits")) ?? long.MaxValue) >= Flood + Cap + 1000, $"needs an open-file limit of {Flood + Cap + 1000} (ulimit -n): the client side holds {Flood:N0} sockets at once");
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(120));
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { MaxConnections = Cap });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        using Socket served = await Net.ConnectAsync(endPoint, timeout.Token);
        byte[] payload = Net.RandomBytes(4 << 20);
        var floodOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<byte[]> streaming = StreamAsync(served, payload, floodOver.Task, timeout.Token);

        var flood = new Socket?[Flood];
        int[] outcome = new int[Flood];
        await Parallel.ForAsync(0, Flood, new ParallelOptions { MaxDegreeOfParallelism = 256, CancellationToken = timeout.Token }, async (i, ct) =>
        {
            try
            {
                flood[i] = await Net.ConnectAsync(endPoint, ct);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // Refused so fast that the server's RST beat the connect's own completion: closed at once.
                outcome[i] = -1;
            }
        });
        try
        {
            // One byte each: an admitted client gets it back; an excess one finds its connection already closed.
            await Parallel.ForAsync(0, Flood, new ParallelOptions { MaxDegreeOfParallelism = 256, CancellationToken = timeout.Token }, async (i, ct) =>
                outcome[i] = flood[i] is { } socket ? await ProbeAsync(socket, ct) : 0);

            int admitted = outcome.Count(o => o == 1);
            Assert.Equal(Cap - 1, admitted); // the streaming client holds the last place
            Assert.Equal(Flood - admitted, outcome.Count(o => o == 0));
            InetServerStatistics stats = server.Statistics;
            Assert.Equal(Cap, stats.ConnectionsOpen);
            Assert.Equal(Flood - admitted, stats.ConnectionsRefused);
            floodOver.SetResult();
            Assert.Equal(payload, await streaming);
        }
        finally
        {
            foreach (Socket? socket in flood)
            {
                socket?.Dispose();
            }
        }
    }

    /// <summary>1 if the connection echoes a byte, 0 if it was closed (EOF or reset) without one.</summary>
    private static async Task<int> ProbeAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync("x"u8.ToArray(), SocketFlags.None, cancellationToken);
            byte[] one = new byte[1];
            return await socket.ReceiveAsync(one, SocketFlags.None, cancellationToken) == 1 && one[0] == (byte)'x' ? 1 : 0;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
            return 0;
        }
    }

    /// <summary>Sends half the payload, waits for the flood to be over, sends the rest, and reads every echoed byte.</summary>
    private static async Task<byte[]> StreamAsync(Socket socket, byte[] payload, Task floodOver, CancellationToken cancellationToken)
    {
        Task send = Task.Run(async () =>
        {
            for (int offset = 0; offset < payload.Length; offset += 64 * 1024)
            {
                if (offset == payload.Length / 2)
                {
                    await floodOver.WaitAsync(cancellationToken);
                }
                await Net.SendAllAsync(socket, payload.AsMemory(offset, Math.Min(64 * 1024, payload.Length - offset)), cancellationToken);
            }
            socket.Shutdown(SocketShutdown.Send);
        }, cancellationToken);
        byte[] echoed = await Net.ReadToEndAsync(socket, cancellationToken);
        await send;
        return echoed;
    }
}
