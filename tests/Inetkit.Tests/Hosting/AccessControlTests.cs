using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Exec;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Hosting;

/// <summary>--allow and --deny end to end, with the loopback aliases 127.0.0.2 and 127.0.0.3 as two clients (no setup needed on Linux).</summary>
public sealed class AccessControlTests
{
    private static readonly IPAddress Two = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Three = IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task Tcp_AClientTheListRefusesIsClosedAtOnce_CountedAndLogged_AndTheOtherIsServed()
    {
        using var timeout = TestTimeout.Create();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with
        {
            Transports = Transport.Tcp,
            Access = AccessList.Parse(["127.0.0.2"], []),
            ConnectionLog = log.Add,
        });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);

        await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token, from: Three);
        using Socket allowed = await Net.ConnectAsync(endPoint, timeout.Token, from: Two);
        await Net.SendAllAsync(allowed, "hi"u8.ToArray(), timeout.Token);
        Assert.Equal("hi", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(allowed, 2, timeout.Token)));
        Assert.Equal(1, server.Statistics.ConnectionsRefusedBy[RefusalReason.AccessList]);
        ConnectionLogEntry refusal = await log.WaitForAsync(e => e.Outcome == "refused: acl", timeout.Token);
        Assert.Equal(Three, refusal.Client.Address);
    }

    [Fact]
    public async Task Udp_ADatagramTheListRefusesIsDroppedAndCounted()
    {
        using var timeout = TestTimeout.Create();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with
        {
            Transports = Transport.Udp,
            Access = AccessList.Parse([], ["127.0.0.3"]),
            ConnectionLog = log.Add,
        });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Udp);
        using Socket refused = Net.Udp(AddressFamily.InterNetwork, Three);
        await refused.SendToAsync("no"u8.ToArray(), SocketFlags.None, endPoint, timeout.Token);
        await log.WaitForAsync(e => e.Outcome == "refused: acl" && e.Transport == Transport.Udp, timeout.Token);

        using Socket allowed = Net.Udp(AddressFamily.InterNetwork, Two);
        Assert.Equal("yes", Encoding.ASCII.GetString(await Net.UdpExchangeAsync(allowed, endPoint, "yes"u8.ToArray(), timeout.Token)));
        Assert.Equal(1, server.Statistics.DatagramsDropped[UdpVerdict.AccessDenied]);
        Assert.Equal(0, refused.Available);
    }

    [Fact]
    public async Task DualStackBind_AnIPv4ClientArrivesMapped_AndIsJudgedAsIPv4()
    {
        using var timeout = TestTimeout.Create();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with
        {
            Transports = Transport.Tcp,
            BindAddresses = [IPAddress.IPv6Any],
            Access = AccessList.Parse([], ["127.0.0.3"]),
            ConnectionLog = log.Add,
        });
        int port = server.Endpoints.Single().EndPoint.Port;
        var overIPv4 = new IPEndPoint(IPAddress.Loopback, port);

        // The classic bypass: ::ffff:127.0.0.3 must meet the IPv4 entry.
        await Net.AssertClosedAtOnceAsync(overIPv4, timeout.Token, from: Three);
        using Socket allowed = await Net.ConnectAsync(overIPv4, timeout.Token, from: Two);
        await Net.SendAllAsync(allowed, "ok"u8.ToArray(), timeout.Token);
        Assert.Equal("ok", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(allowed, 2, timeout.Token)));
        Assert.Equal(Three, (await log.WaitForAsync(e => e.Outcome == "refused: acl", timeout.Token)).Client.Address);
    }

    [Fact]
    public async Task MostSpecificEntryWins_PerService_ADefinitionsOwnListReplacesTheServers()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await InetServer.StartAsync(new InetServerOptions
        {
            Definitions =
            [
                new ServiceDefinition { Name = "open", Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Tcp },
                new ServiceDefinition { Name = "narrow", Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Tcp, Access = AccessList.Parse(["127.0.0.2"], ["127.0.0.0/8"]) },
            ],
            BindAddresses = [IPAddress.Loopback],
            Access = AccessList.Parse([], ["127.0.0.2"]),
        }, timeout.Token);

        await Net.AssertClosedAtOnceAsync(server.GetEndPoint("open", Transport.Tcp), timeout.Token, from: Two);
        await Net.AssertClosedAtOnceAsync(server.GetEndPoint("narrow", Transport.Tcp), timeout.Token, from: Three);
        using Socket served = await Net.ConnectAsync(server.GetEndPoint("narrow", Transport.Tcp), timeout.Token, from: Two);
        await Net.SendAllAsync(served, "!"u8.ToArray(), timeout.Token);
        Assert.Equal("!", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(served, 1, timeout.Token)));
    }

    [Fact]
    public async Task ARefusedClientOfAProgram_StartsNoProcess()
    {
        using var timeout = TestTimeout.Create();
        using var programs = new Programs();
        var trace = new TraceRecorder();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/echo", "served"] }, Transport.Both, o => o with { Access = AccessList.Parse([], ["127.0.0.3"]), ConnectionLog = log.Add }, trace.Write);
        await Net.AssertClosedAtOnceAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token, from: Three);
        using Socket udp = Net.Udp(AddressFamily.InterNetwork, Three);
        await udp.SendToAsync("x"u8.ToArray(), SocketFlags.None, server.GetEndPoint("prog", Transport.Udp), timeout.Token);
        await log.WaitForAsync(e => e.Transport == Transport.Udp, timeout.Token);

        Assert.All(log.Items, e => Assert.Equal(("refused: acl", (int?)null), (e.Outcome, e.Pid)));
        Assert.DoesNotContain(trace.Lines, l => l.Contains("fork+exec", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refusals_AreLoggedAtMostOnceEvery10Seconds_WithACount()
    {
        using var timeout = TestTimeout.Create();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logger = new LogRecorder();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with
        {
            Transports = Transport.Tcp,
            Access = AccessList.Parse([], ["127.0.0.3"]),
            Logger = logger,
            TimeProvider = clock,
            ConnectionLog = log.Add,
        });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        for (int i = 1; i <= 3; i++)
        {
            await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token, from: Three);
            await log.WaitForAsync(_ => log.Items.Count == i, timeout.Token);
        }
        clock.Advance(TimeSpan.FromSeconds(11));
        await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token, from: Three);
        await log.WaitForAsync(_ => log.Items.Count == 4, timeout.Token);

        string[] warnings = [.. logger.Items.Where(l => l.Contains("refused", StringComparison.Ordinal))];
        Assert.Equal(2, warnings.Length);
        Assert.Contains("refused by the access list (deny 127.0.0.3)", warnings[0], StringComparison.Ordinal);
        Assert.EndsWith("(and 2 more since the last report)", warnings[1], StringComparison.Ordinal);
    }
}
