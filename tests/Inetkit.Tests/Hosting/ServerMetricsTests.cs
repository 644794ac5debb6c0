using System.Net;
using System.Net.Sockets;
using Inetkit.Exec;
using Inetkit.Hosting;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Hosting;

/// <summary>
/// The server's instruments, read in-process by a <see cref="MeterListener"/>: known traffic in, the same numbers out,
/// per service name, transport and reason. Every service has a name of its own, since tests in parallel share the
/// instruments.
/// </summary>
public sealed class ServerMetricsTests
{
    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}";

    private static Task<InetServer> StartAsync(InetServerOptions options) => InetServer.StartAsync(options with { BindAddresses = [IPAddress.Loopback] }, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Tcp_Accepted_Closed_Open_AndRefusedByTheCap_AreCountedForTheService()
    {
        using var timeout = TestTimeout.Create();
        string name = Unique("echo");
        using var metrics = new MeterRecorder(name);
        await using InetServer server = await StartAsync(new InetServerOptions
        {
            Definitions = [new ServiceDefinition { Name = name, Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Tcp }],
            MaxConnections = 1,
        });
        IPEndPoint echo = server.GetEndPoint(name, Transport.Tcp);
        const int Served = 3, Refused = 2;

        for (int i = 0; i < Served; i++)
        {
            Assert.Equal("hello"u8.ToArray(), await Net.ExchangeAsync(echo, Transport.Tcp, "hello"u8.ToArray(), timeout.Token));
        }
        await metrics.WaitForAsync("inetkit.connections.closed", Served, timeout.Token, ("outcome", "served"));
        using (Socket held = await Net.ConnectAsync(echo, timeout.Token))
        {
            await Net.SendAllAsync(held, "x"u8.ToArray(), timeout.Token);
            await Net.ReadExactlyAsync(held, 1, timeout.Token);
            Assert.Equal(1, metrics.Value("inetkit.connections.open", ("service", name), ("transport", "tcp")));
            for (int i = 0; i < Refused; i++)
            {
                await Net.AssertClosedAtOnceAsync(echo, timeout.Token);
            }
            await metrics.WaitForAsync("inetkit.connections.refused", Refused, timeout.Token, ("reason", "cap"));
        }
        await metrics.WaitForAsync("inetkit.connections.open", 0, timeout.Token);

        Assert.Equal(Served + 1, metrics.Value("inetkit.connections.accepted", ("service", name), ("transport", "tcp")));
        Assert.Equal(Refused, metrics.Value("inetkit.connections.refused"));
        Assert.Equal(Served * 5 + 1, metrics.Value("inetkit.received", ("transport", "tcp")));
        Assert.Equal(Served * 5 + 1, metrics.Value("inetkit.sent", ("transport", "tcp")));
        Assert.Equal(server.Statistics.ConnectionsAccepted, metrics.Value("inetkit.connections.accepted"));
    }

    [Fact]
    public async Task Tcp_ALongConnectionsBytes_AreCountedBeforeItCloses_AndNotAgainAtTheClose()
    {
        using var timeout = TestTimeout.Create();
        string name = Unique("echo");
        using var metrics = new MeterRecorder(name);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using InetServer server = await StartAsync(new InetServerOptions
        {
            Definitions = [new ServiceDefinition { Name = name, Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Tcp }],
            TimeProvider = clock,
            IdleTimeout = Timeout.InfiniteTimeSpan,
        });
        byte[] data = Net.RandomBytes(10_000);

        using (Socket client = await Net.ConnectAsync(server.GetEndPoint(name, Transport.Tcp), timeout.Token))
        {
            await Net.SendAllAsync(client, data, timeout.Token);
            await Net.ReadExactlyAsync(client, data.Length, timeout.Token);
            // The tracker's scan (every 5 s at most) reports what open connections moved. The client can read the
            // echo before the server's last send has returned and been counted, and a scan before then reports
            // less: the clock moves on until a scan has reported it all (with no idle timeout to end it meanwhile).
            await Wait.UntilAsync(() =>
            {
                clock.Advance(TimeSpan.FromSeconds(5));
                return metrics.Value("inetkit.sent", ("service", name), ("transport", "tcp")) == data.Length;
            }, timeout.Token);
            Assert.Equal(data.Length, metrics.Value("inetkit.received", ("service", name), ("transport", "tcp")));
            Assert.Equal(1, metrics.Value("inetkit.connections.open", ("service", name)));

            await Net.SendAllAsync(client, "tail"u8.ToArray(), timeout.Token);
            client.Shutdown(SocketShutdown.Send);
            await Net.ReadToEndAsync(client, timeout.Token);
        }
        await metrics.WaitForAsync("inetkit.connections.closed", 1, timeout.Token, ("service", name), ("outcome", "served"));

        Assert.Equal(data.Length + 4, metrics.Value("inetkit.received", ("service", name), ("transport", "tcp")));
        Assert.Equal(data.Length + 4, metrics.Value("inetkit.sent", ("service", name), ("transport", "tcp")));
    }

    [Fact]
    public async Task Udp_Received_Answered_AndDroppedByTheAccessList_AreCountedPerService()
    {
        using var timeout = TestTimeout.Create();
        string open = Unique("echo"), closed = Unique("echo-closed");
        using var metrics = new MeterRecorder(open, closed);
        await using InetServer server = await StartAsync(new InetServerOptions
        {
            Definitions =
            [
                new ServiceDefinition { Name = open, Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Udp },
                new ServiceDefinition { Name = closed, Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Udp, Access = AccessList.Parse(["127.0.0.2"], []) },
            ],
        });
        const int Answered = 5, Dropped = 2;
        byte[] request = Net.RandomBytes(40);

        for (int i = 0; i < Answered; i++)
        {
            Assert.Equal(request, await Net.UdpExchangeAsync(server.GetEndPoint(open, Transport.Udp), request, timeout.Token));
        }
        // A reply is counted once its send has returned, which may be after the client has it.
        await metrics.WaitForAsync("inetkit.datagrams.answered", Answered, timeout.Token, ("service", open));
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        for (int i = 0; i < Dropped; i++)
        {
            await client.SendToAsync(request, SocketFlags.None, server.GetEndPoint(closed, Transport.Udp), timeout.Token);
        }
        await metrics.WaitForAsync("inetkit.datagrams.dropped", Dropped, timeout.Token, ("service", closed), ("transport", "udp"), ("reason", "access_list"));

        Assert.Equal(Answered, metrics.Value("inetkit.datagrams.received", ("service", open), ("transport", "udp")));
        Assert.Equal(Answered, metrics.Value("inetkit.datagrams.answered", ("service", open)));
        Assert.Equal(Answered * request.Length, metrics.Value("inetkit.received", ("service", open), ("transport", "udp")));
        Assert.Equal(Answered * request.Length, metrics.Value("inetkit.sent", ("service", open), ("transport", "udp")));
        Assert.Equal(Dropped, metrics.Value("inetkit.datagrams.received", ("service", closed)));
        Assert.Equal(0, metrics.Value("inetkit.datagrams.answered", ("service", closed)));
        Assert.Equal(0, metrics.Value("inetkit.datagrams.dropped", ("service", open)));
    }

    [Fact]
    public async Task ReplyService_ServedOnItsFastPath_CountsEachConnectionAndItsBytes()
    {
        using var timeout = TestTimeout.Create();
        string name = Unique("qotd");
        using var metrics = new MeterRecorder(name);
        await using InetServer server = await StartAsync(new InetServerOptions
        {
            Definitions = [new ServiceDefinition { Name = name, Kind = ServiceKind.Qotd, Port = 0, Transports = Transport.Tcp }],
        });
        long replied = 0;
        const int Connections = 4;

        for (int i = 0; i < Connections; i++)
        {
            using Socket client = await Net.ConnectAsync(server.GetEndPoint(name, Transport.Tcp), timeout.Token);
            replied += (await Net.ReadToEndAsync(client, timeout.Token)).Length;
        }
        await metrics.WaitForAsync("inetkit.connections.closed", Connections, timeout.Token, ("service", name), ("outcome", "served"));

        Assert.Equal(Connections, metrics.Value("inetkit.connections.accepted", ("service", name)));
        Assert.Equal(replied, metrics.Value("inetkit.sent", ("service", name), ("transport", "tcp")));
        Assert.Equal(0, metrics.Value("inetkit.connections.open", ("service", name)));
    }

    [Fact]
    public async Task Program_Started_Running_KilledBySignal_AndFailedToStart_AreCounted()
    {
        using var timeout = TestTimeout.Create();
        string sleeper = Unique("sleeper"), brief = Unique("brief");
        using var metrics = new MeterRecorder(sleeper, brief);
        string directory = Directory.CreateTempSubdirectory("inetkit-metrics-").FullName;
        await using InetServer server = await StartAsync(new InetServerOptions
        {
            Definitions =
            [
                new ServiceDefinition { Name = sleeper, Kind = ServiceKind.Exec, Port = 0, Transports = Transport.Tcp, Program = new ExecProgram { Argv = ["/bin/sleep", "300"], WorkingDirectory = directory } },
                // Its exec timeout sends SIGTERM, which sleep dies of.
                new ServiceDefinition { Name = brief, Kind = ServiceKind.Exec, Port = 0, Transports = Transport.Tcp, Program = new ExecProgram { Argv = ["/bin/sleep", "300"], Timeout = TimeSpan.FromMilliseconds(100) } },
            ],
        });

        using Socket running = await Net.ConnectAsync(server.GetEndPoint(sleeper, Transport.Tcp), timeout.Token);
        await metrics.WaitForAsync("inetkit.exec.running", 1, timeout.Token, ("service", sleeper), ("transport", "tcp"));
        using (Socket killed = await Net.ConnectAsync(server.GetEndPoint(brief, Transport.Tcp), timeout.Token))
        {
            await Net.ReadToEndAsync(killed, timeout.Token, resetIsEnd: true);
        }
        await metrics.WaitForAsync("inetkit.exec.killed", 1, timeout.Token, ("service", brief), ("transport", "tcp"), ("signal", "SIGTERM"));
        // The program's working directory gone, the next spawn fails (posix_spawn's ENOENT), and that is counted too.
        Directory.Delete(directory);
        using (Socket failed = await Net.ConnectAsync(server.GetEndPoint(sleeper, Transport.Tcp), timeout.Token))
        {
            await Net.ReadToEndAsync(failed, timeout.Token, resetIsEnd: true);
        }
        await metrics.WaitForAsync("inetkit.exec.failed", 1, timeout.Token, ("service", sleeper), ("transport", "tcp"));
        await metrics.WaitForAsync("inetkit.exec.running", 0, timeout.Token, ("service", brief));

        Assert.Equal(1, metrics.Value("inetkit.exec.started", ("service", sleeper), ("transport", "tcp")));
        Assert.Equal(1, metrics.Value("inetkit.exec.running", ("service", sleeper)));
        Assert.Equal(1, metrics.Value("inetkit.exec.started", ("service", brief)));
        Assert.Equal(0, metrics.Value("inetkit.exec.killed", ("service", sleeper)));
        Assert.Equal(0, metrics.Value("inetkit.exec.failed", ("service", brief)));
    }

    [Fact]
    public async Task Impairment_ItsDecisionsAreCounted_ForTheServiceItImpairs()
    {
        using var timeout = TestTimeout.Create();
        string name = Unique("echo-impaired");
        using var metrics = new MeterRecorder(name);
        await using InetServer server = await StartAsync(new InetServerOptions
        {
            Definitions = [new ServiceDefinition { Name = name, Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Udp, Impairment = ImpairmentSpec.Parse("duplicate=100%", Direction.Down) }],
        });
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        const int Datagrams = 3;

        for (int i = 0; i < Datagrams; i++)
        {
            // Each reply comes twice: once both are here, the impairment has decided about this one.
            Assert.Equal("dup"u8.ToArray(), await Net.UdpExchangeAsync(client, server.GetEndPoint(name, Transport.Udp), "dup"u8.ToArray(), timeout.Token));
            byte[] copy = new byte[16];
            Assert.Equal(3, (await client.ReceiveFromAsync(copy, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token)).ReceivedBytes);
        }
        await metrics.WaitForAsync("inetkit.impairment.submitted", Datagrams, timeout.Token, ("service", name), ("transport", "udp"));

        Assert.Equal(Datagrams, metrics.Value("inetkit.impairment.submitted", ("service", name), ("transport", "udp")));
        Assert.Equal(Datagrams, metrics.Value("inetkit.impairment.decisions", ("service", name), ("transport", "udp"), ("decision", "duplicated")));
        Assert.Equal(0, metrics.Value("inetkit.impairment.decisions", ("service", name), ("decision", "lost")));
    }
}
