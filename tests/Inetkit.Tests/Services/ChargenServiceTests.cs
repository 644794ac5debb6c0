using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Services;

public sealed class ChargenServiceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tcp_StreamsThePatternFromLineZero(bool ipv6)
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Chargen);
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Chargen, Transport.Tcp, ipv6), timeout.Token);

        byte[] received = await Net.ReadExactlyAsync(client, 3 * ChargenPattern.PeriodLength + 100, timeout.Token);

        for (int i = 0; i < received.Length; i++)
        {
            Assert.Equal(ChargenPattern.At(i), received[i]);
        }
    }

    [Fact]
    public async Task Tcp_InputIsDiscardedAndHalfCloseDoesNotStopTheStream()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Chargen);
        using Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Chargen, Transport.Tcp), timeout.Token);

        await Net.SendAllAsync(client, Net.RandomBytes(500_000), timeout.Token);
        client.Shutdown(SocketShutdown.Send);
        byte[] received = await Net.ReadExactlyAsync(client, 100_000, timeout.Token);

        Assert.Equal(ChargenPattern.Slice(0, 1000).ToArray(), received[..1000]);
    }

    [Fact]
    public async Task Tcp_ClientClosing_EndsTheConnectionOnTheServer()
    {
        using var timeout = TestTimeout.Create();
        var trace = new TraceRecorder();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Chargen, trace);
        using (Socket client = await Net.ConnectAsync(server.EndPoint(ServiceKind.Chargen, Transport.Tcp), timeout.Token))
        {
            await Net.ReadExactlyAsync(client, 10_000, timeout.Token);
        }

        await trace.WaitForAsync("close() (the client went away)", timeout.Token);

        Assert.Equal(0, server.Statistics.ConnectionsOpen);
    }

    [Fact]
    public async Task Udp_AnswersEachDatagramWith512CharactersOfThePattern_NextLineEachTime()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Chargen);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);

        byte[] first = await Net.UdpExchangeAsync(client, server.EndPoint(ServiceKind.Chargen, Transport.Udp), Array.Empty<byte>(), timeout.Token);
        byte[] second = await Net.UdpExchangeAsync(client, server.EndPoint(ServiceKind.Chargen, Transport.Udp), "x"u8.ToArray(), timeout.Token);

        Assert.Equal(ChargenPattern.Slice(0, 512).ToArray(), first);
        Assert.Equal(ChargenPattern.Slice(ChargenPattern.LineLength, 512).ToArray(), second);
    }

    [Fact]
    public void Udp_RepliesLimitedByTheAllowance()
    {
        var service = new Inetkit.Services.ChargenService();
        var response = new byte[65535];

        Assert.True(service.TryRespond([], response.AsSpan(0, 100), out int limited));
        Assert.Equal(100, limited);
        Assert.True(service.TryRespond([], response, out int full));
        Assert.Equal(512, full);
        Assert.False(service.TryRespond([], Span<byte>.Empty, out _));
    }
}
