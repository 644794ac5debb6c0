using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Hosting;

/// <summary>--once, graceful stop, and the abort after the grace period.</summary>
public sealed class ServerLifetimeTests
{
    [Fact]
    public async Task Once_Udp_ServesOneDatagramThenStops()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Once = true });

        byte[] reply = await Net.UdpExchangeAsync(server.EndPoint(ServiceKind.Echo, Transport.Udp), "Hello World"u8.ToArray(), timeout.Token);
        await server.Completion.WaitAsync(timeout.Token);

        Assert.Equal("Hello World"u8.ToArray(), reply);
        Assert.Equal(1, server.Statistics.DatagramsAnswered);
    }

    [Fact]
    public async Task Once_Tcp_ServesOneConnectionThenStops_AndListenersAreClosed()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Qotd, configure: o => o with { Once = true });
        var endPoint = server.EndPoint(ServiceKind.Qotd, Transport.Tcp);

        byte[] quote = await Net.ExchangeAsync(endPoint, Transport.Tcp, [], timeout.Token);
        await server.Completion.WaitAsync(timeout.Token);

        Assert.Equal(QuoteBook.BuiltIn[0].ToArray(), quote);
        var refused = await Assert.ThrowsAsync<SocketException>(() => Net.ConnectAsync(endPoint, timeout.Token));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task Once_SecondClientWhileTheFirstIsServed_IsClosedAtOnce()
    {
        using var timeout = TestTimeout.Create();
        var trace = new TraceRecorder();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, trace, o => o with { Once = true });
        var endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        using Socket first = await Net.ConnectAsync(endPoint, timeout.Token);
        await trace.WaitForAsync("accept() -> ", timeout.Token);

        await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token);
        await Net.SendAllAsync(first, "still served"u8.ToArray(), timeout.Token);
        byte[] echoed = await Net.ReadExactlyAsync(first, 12, timeout.Token);

        Assert.Equal("still served"u8.ToArray(), echoed);
    }

    [Fact]
    public async Task Stop_StopsAcceptingButLetsAnOpenEchoFinish()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { ShutdownGrace = TimeSpan.FromSeconds(20) });
        var endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        using Socket client = await Net.ConnectAsync(endPoint, timeout.Token);
        await Net.SendAllAsync(client, "before"u8.ToArray(), timeout.Token);
        await Net.ReadExactlyAsync(client, 6, timeout.Token);

        Task stopping = server.StopAsync();
        var refused = await Assert.ThrowsAsync<SocketException>(() => Net.ConnectAsync(endPoint, timeout.Token));
        byte[] data = Net.RandomBytes(100_000);
        Task<byte[]> reading = Net.ReadToEndAsync(client, timeout.Token);
        await Net.SendAllAsync(client, data, timeout.Token);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal(data, await reading);
        await stopping.WaitAsync(timeout.Token);
        Assert.True(server.Completion.IsCompleted);
    }

    [Fact]
    public async Task Stop_AfterTheGrace_ClosesConnectionsThatAreStillOpen()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { ShutdownGrace = TimeSpan.FromMilliseconds(200) });
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), timeout.Token);
        await Net.SendAllAsync(client, "x"u8.ToArray(), timeout.Token);
        await Net.ReadExactlyAsync(client, 1, timeout.Token);

        await server.StopAsync().WaitAsync(timeout.Token);
        byte[] rest = await Net.ReadToEndAsync(client, timeout.Token, resetIsEnd: true);

        Assert.Empty(rest);
        Assert.Equal(0, server.Statistics.ConnectionsOpen);
    }

    [Fact]
    public async Task Stop_IsIdempotent_AndDisposeAfterStopIsFine()
    {
        InetServer server = await Servers.StartAsync(ServiceKind.Echo);

        Task first = server.StopAsync();
        Task second = server.StopAsync();
        await first;
        await server.DisposeAsync();

        Assert.Same(first, second);
        Assert.True(server.Completion.IsCompletedSuccessfully);
    }
}
