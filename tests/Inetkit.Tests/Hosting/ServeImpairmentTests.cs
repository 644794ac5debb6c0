using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Hosting;

/// <summary>serve --impair: a service's replies through the impairment, counted per service and narrated by the trace.</summary>
public sealed class ServeImpairmentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Udp_WithASeed_ExactlyTheSeedsDatagramsAreLost_CountedAndNarrated()
    {
        ImpairmentSpec spec = ImpairmentSpec.Parse("loss=50%,seed=11", Direction.Down);
        // Sent up to a datagram that is kept: its reply is the proof that the server has judged every one before it
        // (one receive loop, in order), so that the counts below are complete.
        List<int> decided = await KeptByAsync(spec.DatagramsDown, 11, 40);
        int count = decided.First(i => i >= 9) + 1;
        List<int> kept = [.. decided.Where(i => i < count)];
        var trace = new TraceRecorder();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, trace, o => o with { Impairment = spec, Transports = Transport.Udp });
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Connect(server.EndPoint(ServiceKind.Echo, Transport.Udp));

        for (int i = 0; i < count; i++)
        {
            await client.SendAsync(new byte[] { (byte)i }, SocketFlags.None, Ct);
        }
        var got = new List<int>();
        byte[] buffer = new byte[16];
        while (got.Count < kept.Count)
        {
            await client.ReceiveAsync(buffer, SocketFlags.None, Ct);
            got.Add(buffer[0]);
        }

        Assert.Equal(kept, got);
        Assert.Equal(count - kept.Count, server.Statistics.Impairment[ServiceKind.Echo].Lost);
        Assert.Equal(count - kept.Count, trace.Lines.Count(l => l.Contains("-> lost (impairment: loss 50%)", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Udp_TheImpairmentOfOneService_LeavesTheOthersAlone()
    {
        var lossy = ImpairmentSpec.Parse("loss=100%", Direction.Down);
        await using InetServer server = await Servers.StartAsync([ServiceKind.Echo, ServiceKind.Time], configure: o => o with
        {
            ServiceImpairments = new Dictionary<ServiceKind, ImpairmentSpec> { [ServiceKind.Echo] = lossy },
            Transports = Transport.Udp,
        });
        using var time = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        time.Connect(server.EndPoint(ServiceKind.Time, Transport.Udp));

        await time.SendAsync(Array.Empty<byte>(), SocketFlags.None, Ct);

        Assert.Equal(4, await time.ReceiveAsync(new byte[16], SocketFlags.None, Ct));
        Assert.False(server.Statistics.Impairment.ContainsKey(ServiceKind.Time));
    }

    [Fact]
    public async Task Tcp_LimitData_CutsTheQuote_ThenCloses()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Qotd, configure: o => o with { Impairment = ImpairmentSpec.Parse("limit-data=10", Direction.Down), Transports = Transport.Tcp });
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.EndPoint(ServiceKind.Qotd, Transport.Tcp), Ct);

        var all = new MemoryStream();
        byte[] buffer = new byte[4096];
        int read;
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, Ct)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        Assert.Equal(10, all.Length);
    }

    [Fact]
    public async Task Tcp_ChunksDelayedByLatency_AreCountedOnceTheConnectionCloses()
    {
        // Half a second: a chunk counts as delayed only if it still had to wait when the toxics took it up.
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Impairment = ImpairmentSpec.Parse("latency=500ms", Direction.Down), Transports = Transport.Tcp });
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), Ct);
            await client.SendAsync("hello"u8.ToArray(), SocketFlags.None, Ct);
            Assert.Equal(5, await client.ReceiveAsync(new byte[16], SocketFlags.None, Ct));
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, await client.ReceiveAsync(new byte[16], SocketFlags.None, Ct));
        }
        // The server's close came after its bookkeeping; the release that follows it is what this waits for.
        await server.StopAsync();

        Assert.Equal(1, server.Statistics.Impairment[ServiceKind.Echo].Delayed);
    }

    [Fact]
    public async Task Tcp_ResetAtOnce_IsAResetForTheClient()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Impairment = ImpairmentSpec.Parse("reset=0", Direction.Down), Transports = Transport.Tcp });
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        // The reset can come before the connect's completion is reported: then the connect itself ends with it.
        SocketException reset = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            await client.ConnectAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), Ct);
            while (await client.ReceiveAsync(new byte[64], SocketFlags.None, Ct) > 0)
            {
            }
        });

        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
    }

    /// <summary>Which of <paramref name="count"/> datagrams, numbered 0 up, the engine keeps with that seed.</summary>
    private static async Task<List<int>> KeptByAsync(DatagramImpairment profile, int seed, int count)
    {
        var kept = new List<int>();
        await using var reference = new DatagramImpairer<int>(profile, seed, TimeProvider.System, (_, i) => { kept.Add(i); return ValueTask.CompletedTask; });
        for (int i = 0; i < count; i++)
        {
            await reference.SubmitAsync(new byte[] { (byte)i }, i);
        }
        Assert.InRange(kept.Count, 1, count - 1);
        Assert.Contains(kept, i => i >= 9);
        return kept;
    }
}
