using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Hosting;

public sealed class InetServerTests
{
    [Fact]
    public async Task PortZero_OneFreePortForTcpUdpAndBothFamilies_ReadBack()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);

        Assert.Equal(4, server.Endpoints.Count);
        int port = server.Endpoints[0].EndPoint.Port;
        Assert.NotEqual(0, port);
        Assert.All(server.Endpoints, e => Assert.Equal(port, e.EndPoint.Port));
        Assert.Contains(server.Endpoints, e => e.Transport == Transport.Tcp && e.EndPoint.Address.Equals(IPAddress.Loopback));
        Assert.Contains(server.Endpoints, e => e.Transport == Transport.Udp && e.EndPoint.Address.Equals(IPAddress.IPv6Loopback));
    }

    [Fact]
    public async Task AllSixOnPortZero_EachServiceGetsItsOwnPort()
    {
        await using InetServer server = await Servers.StartAsync([.. WellKnownPorts.All]);

        var ports = server.Endpoints.GroupBy(e => e.Service).ToDictionary(g => g.Key, g => g.Select(e => e.EndPoint.Port).Distinct().Single());
        Assert.Equal(6, ports.Count);
        Assert.Equal(6, ports.Values.Distinct().Count());
    }

    [Fact]
    public async Task DefaultBind_IsLoopbackOnly()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Daytime);

        Assert.All(server.Endpoints, e => Assert.True(IPAddress.IsLoopback(e.EndPoint.Address), $"{e} is not loopback"));
    }

    [Fact]
    public async Task TransportsOption_TcpOnlyOrUdpOnly()
    {
        await using InetServer tcp = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Tcp });
        await using InetServer udp = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Udp });

        Assert.All(tcp.Endpoints, e => Assert.Equal(Transport.Tcp, e.Transport));
        Assert.All(udp.Endpoints, e => Assert.Equal(Transport.Udp, e.Transport));
        Assert.Throws<InvalidOperationException>(() => tcp.GetEndPoint(ServiceKind.Echo, Transport.Udp));
    }

    [Fact]
    public async Task PortInUse_TypedErrorNamingAddressPortAndTransport_AndNothingLeftOpen()
    {
        // Hold the UDP port only: the server binds TCP on it first, then fails on UDP, and must release the TCP socket.
        // The TCP port of that number may belong to some other test's client at that moment; then try another.
        for (int attempt = 1; ; attempt++)
        {
            using Socket holder = Net.Udp(AddressFamily.InterNetwork);
            int port = ((IPEndPoint)holder.LocalEndPoint!).Port;

            var e = await Assert.ThrowsAsync<BindFailedException>(() => InetServer.StartAsync(new InetServerOptions
            {
                Services = [ServiceKind.Echo],
                Port = port,
                BindAddresses = [IPAddress.Loopback],
            }, TestContext.Current.CancellationToken));
            if (e.Transport == Transport.Tcp && attempt < 20)
            {
                continue;
            }

            Assert.Equal(BindFailure.AddressInUse, e.Reason);
            Assert.Equal(Transport.Udp, e.Transport);
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), e.EndPoint);
            Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
            using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            again.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return;
        }
    }

    [Fact]
    public async Task AddressNotOnThisMachine_IsATypedError()
    {
        // 192.0.2.1 (TEST-NET-1) is never assigned here; bind fails locally and nothing is sent anywhere.
        var e = await Assert.ThrowsAsync<BindFailedException>(() => InetServer.StartAsync(new InetServerOptions
        {
            Services = [ServiceKind.Echo],
            Port = 0,
            BindAddresses = [IPAddress.Parse("192.0.2.1")],
        }, TestContext.Current.CancellationToken));

        Assert.Equal(BindFailure.AddressNotAvailable, e.Reason);
    }

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task ContradictoryOrOutOfRangeOptions_AreRefusedBeforeAnySocket(InetServerOptions options)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => InetServer.StartAsync(options, TestContext.Current.CancellationToken));
    }

    public static TheoryData<InetServerOptions> InvalidOptions() =>
    [
        new InetServerOptions { Services = [] },
        new InetServerOptions { Services = [ServiceKind.Echo, ServiceKind.Echo], Port = 0 },
        new InetServerOptions { Services = [ServiceKind.Echo, ServiceKind.Qotd], Port = 5000 },
        new InetServerOptions { Services = [ServiceKind.Echo], Port = 70000 },
        new InetServerOptions { Services = [ServiceKind.Echo], Port = -1 },
        new InetServerOptions { PortOffset = 65500 },
        new InetServerOptions { PortOffset = -1 },
        new InetServerOptions { Port = 0, Transports = Transport.None },
        new InetServerOptions { Port = 0, MaxConnections = 0 },
        new InetServerOptions { Port = 0, MaxConnectionsPerSource = 0 },
        new InetServerOptions { Port = 0, UdpRate = 0 },
        new InetServerOptions { Port = 0, UdpGlobalRate = -5 },
        new InetServerOptions { Port = 0, UdpRate = double.NaN },
        new InetServerOptions { Port = 0, IdleTimeout = TimeSpan.Zero },
    ];

    [Fact]
    public async Task Trace_NarratesUdpInTheSeedsWords()
    {
        using var timeout = TestTimeout.Create();
        var trace = new TraceRecorder();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, trace, o => o with { Transports = Transport.Udp });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Udp);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        var clientEndPoint = (IPEndPoint)client.LocalEndPoint!;

        await Net.UdpExchangeAsync(client, endPoint, "Hello World"u8.ToArray(), timeout.Token);
        await trace.WaitForAsync("sendto(", timeout.Token);

        Assert.Contains("[echo/udp] socket(AF_INET, SOCK_DGRAM)", trace.Lines);
        Assert.Contains("[echo/udp] socket(AF_INET6, SOCK_DGRAM)", trace.Lines);
        Assert.Contains($"[echo/udp] bind({endPoint})", trace.Lines);
        Assert.Contains($"[echo/udp] recvfrom(65535) -> 11 bytes from {clientEndPoint}", trace.Lines);
        Assert.Contains($"[echo/udp] sendto(11 bytes, {clientEndPoint})", trace.Lines);
    }

    [Fact]
    public async Task Trace_NarratesTcpInTheSeedsWords()
    {
        using var timeout = TestTimeout.Create();
        var trace = new TraceRecorder();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Qotd, trace, o => o with { Transports = Transport.Tcp });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Qotd, Transport.Tcp);
        using Socket client = await Net.ConnectAsync(endPoint, timeout.Token);
        var clientEndPoint = (IPEndPoint)client.LocalEndPoint!;

        byte[] quote = await Net.ReadToEndAsync(client, timeout.Token);
        client.Close();
        string accept = await trace.WaitForAsync("accept() -> ", timeout.Token);
        string close = await trace.WaitForAsync(l => l.EndsWith("close()", StringComparison.Ordinal) && l.Contains('#', StringComparison.Ordinal), timeout.Token);

        Assert.Contains("[qotd/tcp] socket(AF_INET, SOCK_STREAM)", trace.Lines);
        Assert.Contains($"[qotd/tcp] bind({endPoint})", trace.Lines);
        Assert.Contains("[qotd/tcp] listen()", trace.Lines);
        Assert.Equal($"[qotd/tcp] accept() -> {clientEndPoint}", accept);
        Assert.Contains(trace.Lines, l => l.EndsWith($"sendall({quote.Length} bytes)", StringComparison.Ordinal));
        Assert.StartsWith("[qotd/tcp #", close, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoTrace_NothingNarrated()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);

        byte[] reply = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Echo, Transport.Udp), Transport.Udp, "x"u8.ToArray(), timeout.Token);

        Assert.Equal("x"u8.ToArray(), reply);
    }
}
