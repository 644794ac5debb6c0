using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Proxy;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Proxy;

/// <summary>The relay itself, with no impairment: TCP both ways with its FINs and resets, UDP sessions and their bounds.</summary>
public sealed class InetProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Each TCP case on both relays: untraced, a connection with nothing to impair is relayed on the epoll loops
    /// (Linux); traced, by the .NET pumps that narrate every call, as an impaired one is everywhere.
    /// </summary>
    public static TheoryData<bool> Paths => [false, true];

    internal static Action<string>? Traced(bool traced) => traced ? _ => { } : null;

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Tcp_RelaysBothWays_ToAServerOfInetkits(bool traced)
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Tcp), Transport = Transport.Tcp, Trace = Traced(traced) }, Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);

        await client.SendAsync("Hello World\r\n"u8.ToArray(), SocketFlags.None, Ct);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("Hello World\r\n"u8.ToArray(), await ReadToEndAsync(client));
        Assert.Equal((1, 13, 13), (proxy.Statistics.Connections, proxy.Statistics.BytesUp, proxy.Statistics.BytesDown));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Tcp_AHalfCloseIsPassedOn_AndTheOtherWayGoesOn(bool traced)
    {
        // The server answers only once it has the client's FIN: that FIN must reach it while its own way stays open.
        using var listener = Listen();
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = (IPEndPoint)listener.LocalEndPoint!, Transport = Transport.Tcp, Trace = Traced(traced) }, Ct);
        Task serving = Task.Run(async () =>
        {
            using Socket peer = await listener.AcceptAsync(Ct);
            byte[] request = await ReadToEndAsync(peer);
            await peer.SendAsync(request.Concat("... and goodbye"u8.ToArray()).ToArray(), SocketFlags.None, Ct);
            peer.Shutdown(SocketShutdown.Send);
        }, Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);

        await client.SendAsync("a request"u8.ToArray(), SocketFlags.None, Ct);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("a request... and goodbye"u8.ToArray(), await ReadToEndAsync(client));
        await serving;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Tcp_OverIpv6_RelaysBothWays(bool traced)
    {
        using var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        listener.Listen(8);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Listen = new IPEndPoint(IPAddress.IPv6Loopback, 0), Target = (IPEndPoint)listener.LocalEndPoint!, Transport = Transport.Tcp, Trace = Traced(traced) }, Ct);
        Task serving = Task.Run(async () =>
        {
            using Socket peer = await listener.AcceptAsync(Ct);
            byte[] request = await ReadToEndAsync(peer);
            await peer.SendAsync(request.Reverse().ToArray(), SocketFlags.None, Ct);
        }, Ct);
        using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);

        await client.SendAsync("over six"u8.ToArray(), SocketFlags.None, Ct);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("xis revo"u8.ToArray(), await ReadToEndAsync(client));
        await serving;
        Assert.Equal(1, proxy.Statistics.Connections);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Tcp_AServersResetReachesTheClientAsAReset(bool traced)
    {
        using var listener = Listen();
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = (IPEndPoint)listener.LocalEndPoint!, Transport = Transport.Tcp, Trace = Traced(traced) }, Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);
        using (Socket peer = await listener.AcceptAsync(Ct))
        {
            peer.LingerState = new LingerOption(true, 0);
        }

        SocketException reset = await Assert.ThrowsAsync<SocketException>(async () => await ReadToEndAsync(client));

        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Tcp_AClientsResetReachesTheServerAsAReset(bool traced)
    {
        using var listener = Listen();
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = (IPEndPoint)listener.LocalEndPoint!, Transport = Transport.Tcp, Trace = Traced(traced) }, Ct);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);
        using Socket peer = await listener.AcceptAsync(Ct);
        // One byte through first, so that the relay is connected both ways before the reset.
        await client.SendAsync("x"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal(1, await peer.ReceiveAsync(new byte[1], SocketFlags.None, Ct));

        client.LingerState = new LingerOption(true, 0);
        client.Dispose();

        SocketException reset = await Assert.ThrowsAsync<SocketException>(async () => await ReadToEndAsync(peer));
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Tcp_ATargetThatRefuses_IsAResetToTheClient_AndCounted(bool traced)
    {
        // Bound and never listening: a connect there is refused, and no other test can take the port meanwhile.
        using var bound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        bound.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var nobody = (IPEndPoint)bound.LocalEndPoint!;
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = nobody, Transport = Transport.Tcp, Trace = Traced(traced) }, Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        // The reset can come before the connect's completion is reported: then the connect itself ends with it.
        SocketException reset = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            await client.ConnectAsync(proxy.EndPoint, Ct);
            await ReadToEndAsync(client);
        });

        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        Assert.Equal((0, 1), (proxy.Statistics.Connections, proxy.Statistics.ConnectionsRefused));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Tcp_ATargetSilentPastTheConnectTimeout_IsAResetToTheClient_AndCounted(bool traced)
    {
        // A listener whose accept queue is full drops further SYNs (Linux): the proxy's connect there is never answered.
        using FullListener full = await FullListener.StartAsync();
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = full.EndPoint, Transport = Transport.Tcp, ConnectTimeout = TimeSpan.FromMilliseconds(200), Trace = Traced(traced) }, Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);

        SocketException reset = await Assert.ThrowsAsync<SocketException>(async () => await ReadToEndAsync(client));

        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        Assert.Equal((0, 1), (proxy.Statistics.Connections, proxy.Statistics.ConnectionsRefused));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Tcp_AClientThatResetsBeforeTheTargetAnswers_IsConnectedThrough_AndItsResetFollows(bool traced)
    {
        // The target's accept queue is full, so the proxy's SYN waits for its retransmission; the client resets meanwhile.
        using FullListener full = await FullListener.StartAsync();
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = full.EndPoint, Transport = Transport.Tcp, Trace = Traced(traced) }, Ct);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);
        client.LingerState = new LingerOption(true, 0);
        client.Dispose();

        // Room in the queue: the retransmitted SYN is taken, and the server sees the connection, then the client's reset.
        using (await full.Listener.AcceptAsync(Ct))
        {
        }
        using Socket relayed = await full.Listener.AcceptAsync(Ct);
        SocketException reset = await Assert.ThrowsAsync<SocketException>(async () => await ReadToEndAsync(relayed));

        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        Assert.Equal((1, 0), (proxy.Statistics.Connections, proxy.Statistics.ConnectionsRefused));
    }

    [Fact]
    public async Task Udp_EachClientGetsItsOwnSession_AndItsOwnReplies()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Udp), Transport = Transport.Udp }, Ct);
        using Socket alice = Datagram(proxy.EndPoint), bob = Datagram(proxy.EndPoint);

        await alice.SendAsync("from alice"u8.ToArray(), SocketFlags.None, Ct);
        await bob.SendAsync("from bob"u8.ToArray(), SocketFlags.None, Ct);

        Assert.Equal("from alice"u8.ToArray(), await ReceiveAsync(alice));
        Assert.Equal("from bob"u8.ToArray(), await ReceiveAsync(bob));
        Assert.Equal(2, proxy.Statistics.Sessions);
    }

    [Fact]
    public async Task Udp_ABurstFromThreeClients_EachGetsExactlyItsOwnReplies()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Udp), Transport = Transport.Udp }, Ct);
        Socket[] clients = [.. Enumerable.Range(1, 3).Select(i => Net.Udp(AddressFamily.InterNetwork, new IPAddress([127, 0, 0, (byte)i])))];
        try
        {
            // 120 datagrams in flight at most: within the default receive buffers.
            await UdpBurst.SendInterleavedAsync(clients, proxy.EndPoint, 40, Ct);
            foreach (Socket client in clients)
            {
                await UdpBurst.AssertOwnRepliesAsync(client, proxy.EndPoint, 40, Ct);
            }
            Assert.Equal(3, proxy.Statistics.Sessions);
        }
        finally
        {
            foreach (Socket client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task Udp_PastMaxSessions_ANewClientIsDropped_AndNoSessionIsEvicted()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Udp), Transport = Transport.Udp, MaxSessions = 1 }, Ct);
        using Socket first = Datagram(proxy.EndPoint), second = Datagram(proxy.EndPoint);
        await first.SendAsync("one"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal("one"u8.ToArray(), await ReceiveAsync(first));

        await second.SendAsync("two"u8.ToArray(), SocketFlags.None, Ct);
        // The relay takes datagrams in order: once the first client's next one is answered, the second's was judged.
        await first.SendAsync("three"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal("three"u8.ToArray(), await ReceiveAsync(first));

        Assert.Equal((1, 1), (proxy.Statistics.Sessions, proxy.Statistics.DatagramsDroppedNoSession));
    }

    [Fact]
    public async Task Udp_ASessionExpiresAfterUdpIdle_AndTheNextDatagramOpensANewOne()
    {
        var clock = new FakeTimeProvider();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Udp), Transport = Transport.Udp, UdpIdle = TimeSpan.FromSeconds(30), TimeProvider = clock }, Ct);
        using Socket client = Datagram(proxy.EndPoint);
        await client.SendAsync("before"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal("before"u8.ToArray(), await ReceiveAsync(client));

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, proxy.Statistics.SessionsExpired);
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, proxy.Statistics.SessionsExpired);

        await client.SendAsync("after"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal("after"u8.ToArray(), await ReceiveAsync(client));
        Assert.Equal(2, proxy.Statistics.Sessions);
    }

    [Fact]
    public async Task Tcp_LimitData_LetsThatManyBytesThrough_ThenCloses()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Chargen);
        var impairment = Inetkit.Impairment.ImpairmentSpec.Parse("limit-data=100", Inetkit.Impairment.Direction.Both);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Chargen, Transport.Tcp), Transport = Transport.Tcp, Impairment = impairment }, Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(proxy.EndPoint, Ct);

        byte[] got = await ReadToEndAsync(client);

        Assert.Equal(100, got.Length);
        Assert.Equal(ChargenPattern.Slice(0, 100).ToArray(), got);
    }

    [Fact]
    public async Task Tcp_ResetAtOnce_ReachesTheClientAsAReset()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        var impairment = Inetkit.Impairment.ImpairmentSpec.Parse("down:reset=0", Inetkit.Impairment.Direction.Both);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Tcp), Transport = Transport.Tcp, Impairment = impairment }, Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        // The reset can come before the connect's completion is reported: then the connect itself ends with it.
        SocketException reset = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            await client.ConnectAsync(proxy.EndPoint, Ct);
            await ReadToEndAsync(client);
        });

        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
    }

    [Fact]
    public async Task Udp_WithASeed_TheSameDatagramsAreLost_AndCounted()
    {
        // loss=50% with seed 7: which of the datagrams the engine loses is fixed by the seed; the proxy must lose
        // exactly those, and send the rest in order.
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        var impairment = Inetkit.Impairment.ImpairmentSpec.Parse("up:loss=50%,seed=7", Inetkit.Impairment.Direction.Both);
        var decided = new List<int>();
        await using (var reference = new Inetkit.Impairment.DatagramImpairer<int>(impairment.DatagramsUp, 7, TimeProvider.System, (d, i) => { decided.Add(i); return ValueTask.CompletedTask; }))
        {
            for (int i = 0; i < 40; i++)
            {
                await reference.SubmitAsync(new byte[] { (byte)i }, i);
            }
        }
        // Sent up to a datagram that is kept: its echo proves the relay has judged every one before it (in order).
        int count = decided.First(i => i >= 9) + 1;
        List<int> expected = [.. decided.Where(i => i < count)];
        Assert.InRange(expected.Count, 1, count - 1);
        await using InetProxy proxy = await InetProxy.StartAsync(new() { Target = server.EndPoint(ServiceKind.Echo, Transport.Udp), Transport = Transport.Udp, Impairment = impairment }, Ct);
        using Socket client = Datagram(proxy.EndPoint);

        for (int i = 0; i < count; i++)
        {
            await client.SendAsync(new byte[] { (byte)i }, SocketFlags.None, Ct);
        }
        var got = new List<int>();
        while (got.Count < expected.Count)
        {
            got.Add((await ReceiveAsync(client))[0]);
        }

        Assert.Equal(expected, got);
        Assert.Equal(count - expected.Count, proxy.Statistics.Impairment.Lost);
    }

    /// <summary>A listener with a backlog of 0 and one connection in its queue: Linux drops the SYNs that come next.</summary>
    private sealed class FullListener : IDisposable
    {
        private readonly Socket _queued = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public Socket Listener { get; } = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public IPEndPoint EndPoint => (IPEndPoint)Listener.LocalEndPoint!;

        public static async Task<FullListener> StartAsync()
        {
            var full = new FullListener();
            full.Listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            full.Listener.Listen(0);
            await full._queued.ConnectAsync(full.EndPoint, Ct);
            return full;
        }

        public void Dispose()
        {
            _queued.Dispose();
            Listener.Dispose();
        }
    }

    private static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(8);
        return listener;
    }

    private static Socket Datagram(IPEndPoint to)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(to);
        return socket;
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket)
    {
        byte[] buffer = new byte[65536];
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(10));
        int read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return buffer[..read];
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var all = new MemoryStream();
        byte[] buffer = new byte[65536];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, Ct)) > 0)
        {
            all.Write(buffer, 0, read);
        }
        return all.ToArray();
    }
}
