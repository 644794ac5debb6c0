using System.Text;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Services;

public sealed class QotdServiceTests
{
    [Theory]
    [MemberData(nameof(TransportData.Both), MemberType = typeof(TransportData))]
    public async Task Qotd_SendsOneQuoteThenCloses_EvenForAnEmptyRequest(Transport transport, bool ipv6)
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Qotd);

        byte[] reply = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Qotd, transport, ipv6), transport, [], timeout.Token);

        Assert.Equal(QuoteBook.BuiltIn.Quotes[0].ToArray(), reply);
    }

    [Theory]
    [InlineData(Transport.Tcp)]
    [InlineData(Transport.Udp)]
    public async Task Qotd_FromAQuotesFile_InTurn(Transport transport)
    {
        using var timeout = TestTimeout.Create();
        QuoteBook book = QuoteBook.Parse("One.\n%\nTwo,\non two lines.\n", "test");
        await using InetServer server = await Servers.StartAsync(ServiceKind.Qotd, configure: o => o with { Quotes = book });

        string first = Encoding.ASCII.GetString(await Net.ExchangeAsync(server.EndPoint(ServiceKind.Qotd, transport), transport, [], timeout.Token));
        string second = Encoding.ASCII.GetString(await Net.ExchangeAsync(server.EndPoint(ServiceKind.Qotd, transport), transport, [], timeout.Token));
        string third = Encoding.ASCII.GetString(await Net.ExchangeAsync(server.EndPoint(ServiceKind.Qotd, transport), transport, [], timeout.Token));

        Assert.Equal("One.\r\n", first);
        Assert.Equal("Two,\r\non two lines.\r\n", second);
        Assert.Equal("One.\r\n", third);
    }

    [Fact]
    public async Task Tcp_ClientThatSendsAndNeverReadsItsInput_StillGetsTheWholeQuote()
    {
        // Unread input at close would make the kernel send RST and destroy the reply in flight; the server reads it away.
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Qotd);

        byte[] reply = await Net.ExchangeAsync(server.EndPoint(ServiceKind.Qotd, Transport.Tcp), Transport.Tcp, Net.RandomBytes(100_000), timeout.Token);

        Assert.Equal(QuoteBook.BuiltIn.Quotes[0].ToArray(), reply);
    }
}
