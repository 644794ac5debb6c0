using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Interop.Linux;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Hosting;

/// <summary>
/// Echo and discard on Linux's epoll loops (untraced, as serve runs by default): the idle timeout, the caps, a
/// reload that asks for the stream path, discard's input, and a large exchange with the client's half-close.
/// </summary>
public sealed class EpollStreamTests
{
    [Fact]
    public async Task IdleTimeout_ClosesTheConnectionIdleLongEnough_AndNotTheYoungerOne()
    {
        using var timeout = TestTimeout.Create();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Tcp, TimeProvider = clock, IdleTimeout = TimeSpan.FromSeconds(10) });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        // Neither ever sends before the clock moves, so each one's last activity is its accept: no race with an echo.
        using Socket older = await Net.ConnectAsync(endPoint, timeout.Token);
        await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == 1, timeout.Token);
        clock.Advance(TimeSpan.FromSeconds(6));
        using Socket younger = await Net.ConnectAsync(endPoint, timeout.Token);
        await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == 2, timeout.Token);

        clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Empty(await Net.ReadToEndAsync(older, timeout.Token, resetIsEnd: true));
        await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == 1, timeout.Token);
        Assert.Equal(1, server.Statistics.ConnectionsTimedOut);
        await Net.SendAllAsync(younger, "still"u8.ToArray(), timeout.Token);
        Assert.Equal("still"u8.ToArray(), await Net.ReadExactlyAsync(younger, 5, timeout.Token));
    }

    [Fact]
    public async Task Discard_AClientTricklingBelowTheLowWaterMark_IsNotIdle_AndItsBytesCountAtTheIdleClose()
    {
        using var timeout = TestTimeout.Create();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using InetServer server = await Servers.StartAsync(ServiceKind.Discard, configure: o => o with { Transports = Transport.Tcp, TimeProvider = clock, IdleTimeout = TimeSpan.FromSeconds(10) });
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Discard, Transport.Tcp), timeout.Token);
        await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == 1, timeout.Token);

        // A byte at a time, each in the server's kernel before the clock moves, never enough for discard to be told.
        for (int i = 0; i < 3; i++)
        {
            await Net.SendAllAsync(client, "x"u8.ToArray(), timeout.Token);
            await Wait.UntilAsync(() => LibC.Unacknowledged((int)client.Handle) == 0, timeout.Token);
            clock.Advance(TimeSpan.FromSeconds(6));
        }
        Assert.Equal((0L, 1), (server.Statistics.ConnectionsTimedOut, server.Statistics.ConnectionsOpen));

        clock.Advance(TimeSpan.FromSeconds(12));
        // A FIN, not a reset: what waited unread was taken before the close.
        Assert.Empty(await Net.ReadToEndAsync(client, timeout.Token));
        await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == 0, timeout.Token);
        Assert.Equal(1, server.Statistics.ConnectionsTimedOut);
    }

    [Fact]
    public async Task ALargeExchange_ComesBackWhole_AndTheClientsFinEndsIt()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Tcp });
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp), timeout.Token);
        byte[] data = Net.RandomBytes(8 << 20);

        // Reading while sending: 8 MB is more than the kernel's buffers, so the echo waits on this client at times.
        Task<byte[]> back = Net.ReadToEndAsync(client, timeout.Token);
        await Net.SendAllAsync(client, data, timeout.Token);
        client.Shutdown(SocketShutdown.Send);

        byte[] echoed = await back;
        Assert.True(data.AsSpan().SequenceEqual(echoed), $"the echo differs from what was sent ({echoed.Length:N0} of {data.Length:N0} bytes came back)");
        await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == 0, timeout.Token);
    }

    [Fact]
    public async Task Discard_ReadsEverything_CountsEveryByte_AnswersNothing_AndClosesOnTheClientsFin()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Discard, configure: o => o with { Transports = Transport.Tcp, Metrics = new IPEndPoint(IPAddress.Loopback, 0) });
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Discard, Transport.Tcp), timeout.Token);
        const int Sent = (4 << 20) + 17;

        // More than the kernel's buffers, so the loop drops input in many reads of different sizes.
        await Net.SendAllAsync(client, Net.RandomBytes(Sent), timeout.Token);
        client.Shutdown(SocketShutdown.Send);

        Assert.Empty(await Net.ReadToEndAsync(client, timeout.Token));
        await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == 0, timeout.Token);
        using var http = new HttpClient();
        string metrics = await http.GetStringAsync(server.Metrics!.MetricsUri, timeout.Token);
        Assert.Contains($"inetkit_received_bytes_total{{service=\"discard\",transport=\"tcp\"}} {Sent}\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCaps_HoldAsOnTheStreamPath_AndAClosedConnectionGivesItsPlaceBack()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo, configure: o => o with { Transports = Transport.Tcp, MaxConnections = 1 });
        IPEndPoint endPoint = server.EndPoint(ServiceKind.Echo, Transport.Tcp);
        using (Socket first = await Net.ConnectAsync(endPoint, timeout.Token))
        {
            await Net.SendAllAsync(first, "1"u8.ToArray(), timeout.Token);
            Assert.Equal("1"u8.ToArray(), await Net.ReadExactlyAsync(first, 1, timeout.Token));
            await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token);
            first.Shutdown(SocketShutdown.Send);
            Assert.Empty(await Net.ReadToEndAsync(first, timeout.Token));
        }
        await Wait.UntilAsync(() => server.Statistics.ConnectionsOpen == 0, timeout.Token);
        using Socket second = await Net.ConnectAsync(endPoint, timeout.Token);
        await Net.SendAllAsync(second, "2"u8.ToArray(), timeout.Token);
        Assert.Equal("2"u8.ToArray(), await Net.ReadExactlyAsync(second, 1, timeout.Token));
    }

    [Fact]
    public async Task AReloadThatAsksForAConnectionLog_IsHonouredForTheNextClient()
    {
        using var timeout = TestTimeout.Create();
        var options = new InetServerOptions
        {
            Definitions = [new ServiceDefinition { Name = "echo", Kind = ServiceKind.Echo, Port = 0, Transports = Transport.Tcp }],
            BindAddresses = [IPAddress.Loopback],
        };
        await using InetServer server = await InetServer.StartAsync(options, timeout.Token);
        IPEndPoint endPoint = server.GetEndPoint("echo", Transport.Tcp);
        var logged = new TaskCompletionSource<ConnectionLogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);

        server.Reload(options with { ConnectionLog = e => logged.TrySetResult(e) });
        using (Socket client = await Net.ConnectAsync(endPoint, timeout.Token))
        {
            await Net.SendAllAsync(client, "logged"u8.ToArray(), timeout.Token);
            Assert.Equal("logged"u8.ToArray(), await Net.ReadExactlyAsync(client, 6, timeout.Token));
            client.Shutdown(SocketShutdown.Send);
            Assert.Empty(await Net.ReadToEndAsync(client, timeout.Token));
        }

        ConnectionLogEntry entry = await logged.Task.WaitAsync(timeout.Token);
        Assert.Equal(("echo", 6L, 6L), (entry.Service, entry.BytesIn, entry.BytesOut));
    }
}
