using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Hosting;

/// <summary>InetServer.Reload, what SIGHUP does: sockets kept where they stay, limits for new clients, a failed reload changes nothing.</summary>
public sealed class ReloadTests
{
    private static InetServerOptions Options(params ServiceDefinition[] definitions) => new()
    {
        Definitions = definitions,
        BindAddresses = [IPAddress.Loopback],
    };

    private static ServiceDefinition Echo(int port = 0, int? max = null) => new() { Name = "echo", Kind = ServiceKind.Echo, Port = port, MaxConnections = max };

    [Fact]
    public async Task ChangedLimits_ApplyToNewClients_OnTheSameSockets_AndOpenConnectionsKeepTheirPlace()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await InetServer.StartAsync(Options(Echo(max: 1) with { Transports = Transport.Tcp }), timeout.Token);
        IPEndPoint endPoint = server.GetEndPoint("echo", Transport.Tcp);
        using Socket first = await Net.ConnectAsync(endPoint, timeout.Token);
        await AssertEchoes(first, timeout.Token);
        await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token);

        InetServer.ReloadResult result = server.Reload(Options(Echo(max: 2) with { Transports = Transport.Tcp }));

        Assert.Equal((0, 0), (result.Bound.Count, result.Closed.Count));
        Assert.Equal(endPoint, server.GetEndPoint("echo", Transport.Tcp));
        using Socket second = await Net.ConnectAsync(endPoint, timeout.Token);
        await AssertEchoes(second, timeout.Token);
        await AssertEchoes(first, timeout.Token);
        await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token);
    }

    [Fact]
    public async Task AStreamThroughAReload_LosesNoByte()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await InetServer.StartAsync(Options(Echo() with { Transports = Transport.Tcp }), timeout.Token);
        using Socket client = await Net.ConnectAsync(server.GetEndPoint("echo", Transport.Tcp), timeout.Token);
        byte[] data = Net.RandomBytes(4_000_000);
        Task<byte[]> reading = Net.ReadToEndAsync(client, timeout.Token);
        Task sending = Task.Run(async () =>
        {
            for (int at = 0; at < data.Length; at += 100_000)
            {
                await Net.SendAllAsync(client, data.AsMemory(at, 100_000), timeout.Token);
            }
            client.Shutdown(SocketShutdown.Send);
        }, timeout.Token);

        for (int i = 1; i <= 5; i++)
        {
            server.Reload(Options(Echo(max: 10 + i) with { Transports = Transport.Tcp, IdleTimeout = TimeSpan.FromSeconds(60 + i) }, new ServiceDefinition { Name = $"extra{i}", Kind = ServiceKind.Daytime, Port = 0 }));
        }
        await sending;
        Assert.Equal(data, await reading);
    }

    [Fact]
    public async Task DatagramsThroughAReload_AreEachAnsweredWithTheirOwnEcho()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await InetServer.StartAsync(Options(Echo() with { Transports = Transport.Udp }), timeout.Token);
        IPEndPoint endPoint = server.GetEndPoint("echo", Transport.Udp);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        for (int i = 0; i < 200; i++)
        {
            if (i % 20 == 0)
            {
                try
                {
                    server.Reload(Options(Echo() with { Transports = Transport.Udp, UdpRate = 1_000_000 + i }, new ServiceDefinition { Name = "extra", Kind = ServiceKind.Time, Port = 0, Transports = i % 40 == 0 ? Transport.Udp : Transport.Both }));
                }
                catch (BindFailedException e) when (e.ServiceName == "extra" && e.Transport == Transport.Tcp && e.Reason == BindFailure.AddressInUse)
                {
                    // The extra's TCP socket must take its UDP socket's port number, which another test's TCP socket
                    // may hold meanwhile: that reload changes nothing, and the datagrams must be answered all the same.
                }
            }
            byte[] request = Encoding.ASCII.GetBytes($"datagram {i}");
            Assert.Equal(request, await Net.UdpExchangeAsync(client, endPoint, request, timeout.Token));
        }
    }

    [Fact]
    public async Task AddedServicesStart_RemovedOnesStopAccepting_TheirOpenConnectionFinishes()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await InetServer.StartAsync(Options(Echo() with { Transports = Transport.Tcp }), timeout.Token);
        IPEndPoint echo = server.GetEndPoint("echo", Transport.Tcp);
        using Socket open = await Net.ConnectAsync(echo, timeout.Token);
        await AssertEchoes(open, timeout.Token);

        InetServer.ReloadResult result = server.Reload(Options(new ServiceDefinition { Name = "qotd", Kind = ServiceKind.Qotd, Port = 0, Transports = Transport.Tcp }));

        Assert.Equal(["qotd"], result.Added);
        Assert.Equal(["echo"], result.Removed);
        using (Socket quote = await Net.ConnectAsync(server.GetEndPoint("qotd", Transport.Tcp), timeout.Token))
        {
            Assert.NotEmpty(await Net.ReadToEndAsync(quote, timeout.Token));
        }
        await Assert.ThrowsAsync<SocketException>(() => Net.ConnectAsync(echo, timeout.Token));
        await AssertEchoes(open, timeout.Token);
        open.Shutdown(SocketShutdown.Send);
        Assert.Empty(await Net.ReadToEndAsync(open, timeout.Token));
    }

    [Fact]
    public async Task ASocketThatCannotBeBound_ChangesNothing()
    {
        using var timeout = TestTimeout.Create();
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        int taken = ((IPEndPoint)holder.LocalEndPoint!).Port;
        await using InetServer server = await InetServer.StartAsync(Options(Echo(max: 1) with { Transports = Transport.Tcp }), timeout.Token);
        IReadOnlyList<ListenerEndpoint> before = server.Endpoints;

        Assert.Throws<BindFailedException>(() => server.Reload(Options(
            Echo(max: 5) with { Transports = Transport.Tcp },
            new ServiceDefinition { Name = "daytime", Kind = ServiceKind.Daytime, Port = 0, Transports = Transport.Tcp },
            new ServiceDefinition { Name = "blocked", Kind = ServiceKind.Discard, Port = taken, Transports = Transport.Tcp })));

        Assert.Equal(before, server.Endpoints);
        IPEndPoint echo = server.GetEndPoint("echo", Transport.Tcp);
        using Socket first = await Net.ConnectAsync(echo, timeout.Token);
        await AssertEchoes(first, timeout.Token);
        // The old cap, 1, still holds: the failed reload's 5 never applied.
        await Net.AssertClosedAtOnceAsync(echo, timeout.Token);
    }

    [Fact]
    public async Task AMissingProgram_ChangesNothing()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await InetServer.StartAsync(Options(Echo() with { Transports = Transport.Tcp }), timeout.Token);

        Assert.Throws<ArgumentException>(() => server.Reload(Options(
            new ServiceDefinition { Name = "prog", Kind = ServiceKind.Exec, Port = 0, Program = new Inetkit.Exec.ExecProgram { Argv = ["/nonexistent/program"] } })));

        using Socket client = await Net.ConnectAsync(server.GetEndPoint("echo", Transport.Tcp), timeout.Token);
        await AssertEchoes(client, timeout.Token);
    }

    [Fact]
    public async Task AChangedPort_IsRebound_AndTheOldOneClosed()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await InetServer.StartAsync(Options(Echo() with { Transports = Transport.Tcp }), timeout.Token);
        IPEndPoint before = server.GetEndPoint("echo", Transport.Tcp);
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int fresh = ((IPEndPoint)probe.LocalEndPoint!).Port;
        probe.Dispose();

        InetServer.ReloadResult result = server.Reload(Options(Echo(port: fresh) with { Transports = Transport.Tcp }));

        Assert.Equal((1, 1), (result.Bound.Count, result.Closed.Count));
        Assert.Equal(fresh, server.GetEndPoint("echo", Transport.Tcp).Port);
        await Assert.ThrowsAsync<SocketException>(() => Net.ConnectAsync(before, timeout.Token));
        using Socket client = await Net.ConnectAsync(server.GetEndPoint("echo", Transport.Tcp), timeout.Token);
        await AssertEchoes(client, timeout.Token);
    }

    private static async Task AssertEchoes(Socket socket, CancellationToken cancellationToken)
    {
        await Net.SendAllAsync(socket, "ping"u8.ToArray(), cancellationToken);
        Assert.Equal("ping", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(socket, 4, cancellationToken)));
    }
}
