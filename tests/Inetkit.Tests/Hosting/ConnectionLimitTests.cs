using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Hosting;

public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task MaxConnections_ExcessClientClosedAtOnce_OthersKeepBeingServed_SlotFreedOnClose()
    {
        using var timeout = TestTimeout.Create();
        var trace = new TraceRecorder();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, trace, o => o with { MaxConnections = 2 });
        var endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        using Socket a = await Net.ConnectAsync(endPoint, timeout.Token);
        using Socket b = await Net.ConnectAsync(endPoint, timeout.Token);
        await AssertEchoes(a, "a1", timeout.Token);
        await AssertEchoes(b, "b1", timeout.Token);

        await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token);
        await AssertEchoes(a, "a2", timeout.Token);
        await AssertEchoes(b, "b2", timeout.Token);
        Assert.Equal(1, server.Statistics.ConnectionsRefused);

        a.Shutdown(SocketShutdown.Send);
        await Net.ReadToEndAsync(a, timeout.Token);
        await trace.WaitForAsync(l => l.StartsWith("[echo/tcp #", StringComparison.Ordinal) && l.EndsWith("close()", StringComparison.Ordinal), timeout.Token);
        using Socket d = await Net.ConnectAsync(endPoint, timeout.Token);
        await AssertEchoes(d, "d1", timeout.Token);
    }

    [Theory]
    [InlineData(ServiceKind.Daytime)]
    [InlineData(ServiceKind.Qotd)]
    [InlineData(ServiceKind.Time)]
    public async Task Caps_AReplyServiceRefusesAtOnceOverTheCap_AndServesOthers(ServiceKind reply)
    {
        // The caps are over all services: an echo connection held open from 127.0.0.1 fills that source's cap of 1,
        // and the reply service's own accept loop (on Linux, system calls of its own) must reset the next client
        // from there at once, and serve one from elsewhere.
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync([ServiceKind.Echo, reply], configure: o => o with { MaxConnectionsPerSource = 1, Transports = Transport.Tcp });
        IPEndPoint replies = server.EndPoint(reply, Transport.Tcp);
        using Socket held = await Net.ConnectAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), timeout.Token, from: IPAddress.Loopback);
        await AssertEchoes(held, "held", timeout.Token);

        await Net.AssertClosedAtOnceAsync(replies, timeout.Token, from: IPAddress.Loopback);
        using Socket other = await Net.ConnectAsync(replies, timeout.Token, from: IPAddress.Parse("127.0.0.2"));
        byte[] answer = await Net.ReadToEndAsync(other, timeout.Token);

        Assert.Equal(1, server.Statistics.ConnectionsRefused);
        if (reply == ServiceKind.Time)
        {
            Assert.Equal(4, answer.Length);
        }
        else
        {
            Assert.EndsWith("\r\n", System.Text.Encoding.ASCII.GetString(answer), StringComparison.Ordinal);
        }
        await AssertEchoes(held, "still", timeout.Token);
    }

    [Fact]
    public async Task MaxConnectionsPerSource_CapsOneAddress_NotOthers()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { MaxConnectionsPerSource = 1 });
        var endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        using Socket first = await Net.ConnectAsync(endPoint, timeout.Token, from: IPAddress.Loopback);
        await AssertEchoes(first, "1", timeout.Token);

        await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token, from: IPAddress.Loopback);
        using Socket other = await Net.ConnectAsync(endPoint, timeout.Token, from: IPAddress.Parse("127.0.0.2"));

        await AssertEchoes(other, "2", timeout.Token);
        await AssertEchoes(first, "3", timeout.Token);
    }

    [Fact]
    public async Task IdleTimeout_ClosesAConnectionWithNoTraffic_AndOnlyThatOne()
    {
        using var timeout = TestTimeout.Create();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var trace = new TraceRecorder();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, trace, o => o with { TimeProvider = clock, IdleTimeout = TimeSpan.FromSeconds(10) });
        var endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        using Socket idle = await Net.ConnectAsync(endPoint, timeout.Token);
        using Socket busy = await Net.ConnectAsync(endPoint, timeout.Token);
        await AssertEchoes(idle, "i", timeout.Token);
        await AssertEchoes(busy, "b", timeout.Token);
        // The client can read an echo before the server has seen its own send complete and noted the activity;
        // the clock may move only once the server has narrated both sends, or the activity lands in the future.
        await trace.WaitForAsync(_ => trace.Lines.Count(l => l.EndsWith("sendall(1 bytes)", StringComparison.Ordinal)) == 2, timeout.Token);

        clock.Advance(TimeSpan.FromSeconds(6));
        await AssertEchoes(busy, "still here", timeout.Token);
        await trace.WaitForAsync("sendall(10 bytes)", timeout.Token);
        clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Empty(await Net.ReadToEndAsync(idle, timeout.Token, resetIsEnd: true));
        await trace.WaitForAsync("close() (idle timeout)", timeout.Token);
        await AssertEchoes(busy, "and still", timeout.Token);
        Assert.Equal(1, server.Statistics.ConnectionsTimedOut);
    }

    [Fact]
    public async Task OneConnectionFailing_DoesNotAffectAnother()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        var endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        using Socket healthy = await Net.ConnectAsync(endPoint, timeout.Token);
        await AssertEchoes(healthy, "before", timeout.Token);

        using (Socket rude = await Net.ConnectAsync(endPoint, timeout.Token))
        {
            await Net.SendAllAsync(rude, Net.RandomBytes(50_000), timeout.Token);
            rude.LingerState = new LingerOption(true, 0); // close with RST mid-stream
        }

        await AssertEchoes(healthy, "after", timeout.Token);
        using Socket next = await Net.ConnectAsync(endPoint, timeout.Token);
        await AssertEchoes(next, "new", timeout.Token);
    }

    private static async Task AssertEchoes(Socket socket, string text, CancellationToken cancellationToken)
    {
        byte[] data = System.Text.Encoding.ASCII.GetBytes(text);
        await Net.SendAllAsync(socket, data, cancellationToken);
        Assert.Equal(data, await Net.ReadExactlyAsync(socket, data.Length, cancellationToken));
    }

    [Fact]
    public void DefaultPerSourceCap_AppliesToRemoteAddressesOnly()
    {
        using var tracker = new Inetkit.Hosting.Internal.ConnectionTracker(10_000, null, Timeout.InfiniteTimeSpan, TimeProvider.System, new Inetkit.Hosting.Internal.Counters());
        var remote = IPAddress.Parse("192.0.2.10");

        int admitted = Enumerable.Range(0, 100).Count(_ => tracker.TryAdmit(remote, out string? _));
        int loopback = Enumerable.Range(0, 500).Count(_ => tracker.TryAdmit(IPAddress.Loopback, out string? _));

        Assert.Equal(InetServerOptions.DefaultMaxConnectionsPerSource, admitted);
        Assert.Equal(500, loopback);
        Assert.False(tracker.TryAdmit(remote, out string? refusal));
        Assert.Equal("per-source limit reached (32 open from 192.0.2.10)", refusal);
    }
}
