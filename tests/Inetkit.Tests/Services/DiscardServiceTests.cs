using System.Net.Sockets;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Services;

public sealed class DiscardServiceTests
{
    [Fact]
    public async Task Tcp_ReadsEverythingAndAnswersNothing()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Discard);

        byte[] reply = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Discard, Transport.Tcp), Transport.Tcp, Net.RandomBytes(1_000_000), timeout.Token);

        Assert.Empty(reply);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Udp_NeverAnswers(bool ipv6)
    {
        using var timeout = TestTimeout.Create();
        var trace = new TraceRecorder();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Discard, trace);
        using Socket client = Net.Udp(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);

        await client.SendToAsync("anything"u8.ToArray(), server.EndPoint(ServiceKind.Discard, Transport.Udp, ipv6), timeout.Token);
        await trace.WaitForAsync("(discarded; no reply)", timeout.Token);

        // The server has decided; a reply would already be queued on our socket (loopback delivers at once).
        Assert.Equal(0, client.Available);
        Assert.Equal(1, server.Statistics.DatagramsReceived);
        Assert.Equal(0, server.Statistics.DatagramsAnswered);
    }
}
