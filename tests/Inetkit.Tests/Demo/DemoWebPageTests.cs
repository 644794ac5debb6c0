using System.Net;
using Inetkit.Demo;
using Inetkit.Demo.Web;
using Inetkit.Tests.Support;
using Inetkit.Tracing;

namespace Inetkit.Tests.Demo;

/// <summary>
/// The web demo's page in a real browser (Debian's Chromium, headless, in the harness's namespace, where the demo's
/// server listens too): picked, played and stepped through its controls, with the diagram's SVG read back from the DOM.
/// The DOM must hold every event the stream brought, in order; each lane's calls must be those a direct run records;
/// and across the lanes the orders causality fixes must hold. A screenshot of each run is written (to docs/ with
/// INETKIT_SCREENSHOTS=docs, which is how docs/demo-web-*.png are made).
/// </summary>
public sealed class DemoWebPageTests(SharedBrowser shared) : IClassFixture<SharedBrowser>
{
    // Each drawn event as "seq lane kind call sends lost|words", read from the SVG's data attributes (the words whole,
    // from the row's title: the row itself may be cut to fit its lane).
    private const string DrawnRows = """
        () => [...document.querySelectorAll('#events g.event')].map(g =>
          [g.dataset.seq, g.dataset.lane, g.dataset.kind, g.dataset.call || '-', g.dataset.sends === 'true', g.dataset.lost === 'true'].join(' ')
            + '|' + (g.querySelector('text.call title') ?? g.querySelector('text:not(.time)')).textContent)
        """;

    private const string ReceivedRows = "() => inetkitDemo.received().map(e => [e.seq, e.lane, e.kind, e.call || '-', !!e.sends, !!e.lost].join(' '))";

    private const string Done = "document.body.dataset.state === 'done'";

    /// <summary>The examples have come (the picker is filled, the one in the URL chosen).</summary>
    private const string Ready = "document.body.dataset.state === 'ready'";

    private sealed record Row(int Seq, string Lane, string Kind, string Call, bool Sends, bool Lost, string Text);

    private static Row Parse(string row)
    {
        string[] parts = row.Split('|', 2)[0].Split(' ');
        return new Row(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts[1], parts[2], parts[3], parts[4] == "true", parts[5] == "true", row.Split('|', 2)[1]);
    }

    private static Task<DemoWebServer> StartInsideAsync() =>
        DemoWebServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), new DemoWebOptions { ConfigureHost = LoopbackNamespace.Shared.ListenInside }, TestContext.Current.CancellationToken);

    /// <summary>Picks the example, presses Play, and returns the drawn rows once the page says it is done.</summary>
    private static async Task<List<Row>> PlayAsync(BrowserPage page, string example)
    {
        await page.WaitForAsync(Ready);
        await page.SelectAsync("#example", example);
        await page.ClickAsync("#play");
        await page.WaitForAsync(Done);
        List<Row> drawn = [.. (await page.EvaluateAsync<string[]>(DrawnRows)).Select(Parse)];
        string[] received = await page.EvaluateAsync<string[]>(ReceivedRows);
        Assert.Equal(Enumerable.Range(0, received.Length), drawn.Select(r => r.Seq));
        Assert.Equal(received, drawn.Select(r => $"{r.Seq} {r.Lane} {r.Kind} {r.Call} {r.Sends.ToString().ToLowerInvariant()} {r.Lost.ToString().ToLowerInvariant()}"));
        Assert.Empty(page.Errors);
        Assert.Empty(page.Refused);
        return drawn;
    }

    /// <summary>Each lane's calls and printed lines, as a direct run of the example records them (waits left out: when a call must wait varies).</summary>
    private static async Task AssertLanesAsARunRecordsThemAsync(string example, List<Row> drawn)
    {
        IReadOnlyList<DemoEvent> direct = await DemoExampleTests.RunAsync(example);
        foreach (DemoLane lane in new[] { DemoLane.Client, DemoLane.Server })
        {
            string name = lane == DemoLane.Client ? "client" : "server";
            IEnumerable<string> expected = direct.Where(e => e.Lane == lane && e.Call?.Kind != TraceKind.Waiting).Select(e => e.Call?.Name ?? "printed");
            IEnumerable<string> shown = drawn.Where(r => r.Lane == name && r.Kind is not ("waiting" or "packet")).Select(r => r.Kind == "printed" ? "printed" : r.Call);
            Assert.Equal(expected, shown);
        }
    }

    private static int Index(List<Row> rows, string lane, string call, int after = -1) =>
        rows.FindIndex(after + 1, r => r.Lane == lane && r.Kind == "call" && r.Call == call);

    [Fact]
    public async Task UdpEcho_ThePageDrawsEachEventInOrder_ArrowsForEachDatagram()
    {
        Browser.RequireChromium();
        await using DemoWebServer server = await StartInsideAsync();
        await using BrowserPage page = await (await shared.GetAsync()).OpenAsync(server.Url);

        List<Row> drawn = await PlayAsync(page, "udp-echo");

        await AssertLanesAsARunRecordsThemAsync("udp-echo", drawn);
        int after = -1;
        foreach (string message in new[] { "Hello", "World", "Bye" })
        {
            int sent = Index(drawn, "client", "sendto", after);
            int received = Index(drawn, "server", "recvfrom", sent);
            int echoed = Index(drawn, "server", "sendto", received);
            int back = Index(drawn, "client", "recvfrom", echoed);
            Assert.True(sent >= 0 && received > sent && echoed > received && back > echoed, $"{message}: sendto {sent}, recvfrom {received}, echo {echoed}, back {back}");
            Assert.True(drawn[sent].Sends && drawn[echoed].Sends);
            Assert.Contains(drawn.Skip(back), r => r.Kind == "printed" && r.Text.StartsWith($"» b'{message}' received from ('127.0.0.1', ", StringComparison.Ordinal));
            after = back;
        }
        Assert.Equal(6, await page.EvaluateAsync<int>("() => document.querySelectorAll('#events .arrow:not(.lost)').length"));
        await Screenshots.WriteAsync(page, "demo-web-udp-echo.png");
    }

    [Fact]
    public async Task TcpQotd_ThePageDrawsEachEventInOrder_TheQuoteSentBeforeTheFirstRecv()
    {
        Browser.RequireChromium();
        await using DemoWebServer server = await StartInsideAsync();
        await using BrowserPage page = await (await shared.GetAsync()).OpenAsync(new Uri(server.Url, "?example=tcp-qotd"));

        await page.WaitForAsync(Ready);
        Assert.Equal("tcp-qotd", await page.EvaluateAsync<string>("() => document.getElementById('example').value"));
        List<Row> drawn = await PlayAsync(page, "tcp-qotd");

        await AssertLanesAsARunRecordsThemAsync("tcp-qotd", drawn);
        int listen = Index(drawn, "server", "listen");
        int connected = Index(drawn, "client", "connect");
        int accept = Index(drawn, "server", "accept");
        int sendall = Index(drawn, "server", "sendall", accept);
        int firstRecv = Index(drawn, "client", "recv");
        Assert.True(listen >= 0 && listen < connected, "listen() is drawn before connect() returns");
        Assert.True(accept < sendall && sendall < firstRecv, "accept, then sendall, before the client's first recv returns the quote's start");
        Assert.True(drawn[sendall].Sends, "the quote crosses as an arrow");
        Assert.Equal("recv(4) -> 0 bytes (the server closed)", drawn.Last(r => r.Call == "recv" && r.Kind == "call").Text);
        Assert.Equal("disabled", await page.EvaluateAsync<string>("() => document.getElementById('impairment').disabled ? 'disabled' : 'enabled'"));
        if (Environment.UserName == "root")
        {
            // The wire, captured by the page's server (root here and in CI): the handshake before the quote's segment.
            List<Row> packets = [.. drawn.Where(r => r.Kind == "packet")];
            Assert.Equal(["TCP [SYN] seq=0 len=0", "TCP [SYN/ACK] seq=0 ack=1 len=0", "TCP [ACK] seq=1 ack=1 len=0"], packets.Take(3).Select(p => p.Text));
            Assert.True(drawn.FindIndex(r => r.Text == "TCP [SYN] seq=0 len=0") < sendall);
        }
        await Screenshots.WriteAsync(page, "demo-web-tcp-qotd.png");
        if (Environment.UserName == "root")
        {
            // The wire box hides the packets again.
            await page.ClickAsync("#wire");
            Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('#events g.event.packet').length"));
        }
    }

    [Fact]
    public async Task UdpEcho_WithEveryReplyLost_ThePageDrawsTheLostArrowWithACross()
    {
        Browser.RequireChromium();
        await using DemoWebServer server = await StartInsideAsync();
        await using BrowserPage page = await (await shared.GetAsync()).OpenAsync(server.Url);
        await page.WaitForAsync(Ready);
        await page.SelectAsync("#example", "udp-echo");
        await page.FillAsync("#loss", "100");
        await page.FillAsync("#seed", "3");

        await page.ClickAsync("#again");
        await page.WaitForAsync(Done);

        List<Row> drawn = [.. (await page.EvaluateAsync<string[]>(DrawnRows)).Select(Parse)];
        int lost = drawn.FindIndex(r => r.Lane == "server" && r.Call == "sendto" && r.Lost);
        Assert.True(lost >= 0 && drawn[lost].Sends, "the lost reply is drawn");
        Assert.Equal(1, await page.EvaluateAsync<int>("() => document.querySelectorAll('#events g.event[data-lost=\"true\"] .arrow.lost .cross').length"));
        Assert.DoesNotContain(drawn, r => r.Lane == "client" && r.Call == "recvfrom" && r.Kind == "call" && !r.Text.Contains("timed out", StringComparison.Ordinal));
        Assert.Equal("printed", drawn[^1].Kind);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Step_DrawsOneEventPerPress_FromWhatTheStreamHasBrought_ThenPlayDrawsTheRest()
    {
        Browser.RequireChromium();
        await using DemoWebServer server = await StartInsideAsync();
        await using BrowserPage page = await (await shared.GetAsync()).OpenAsync(new Uri(server.Url, "?example=udp-echo-once"));
        await page.WaitForAsync(Ready);

        await page.ClickAsync("#step");
        await page.WaitForAsync("document.body.dataset.drawn === '1' && inetkitDemo.received().length >= 5");
        await page.ClickAsync("#step");
        await page.WaitForAsync("document.body.dataset.drawn === '2'");
        int drawnAfterTwo = await page.EvaluateAsync<int>("() => document.querySelectorAll('#events g.event').length");
        await page.ClickAsync("#play");
        await page.WaitForAsync(Done);

        Assert.Equal(2, drawnAfterTwo);
        int all = await page.EvaluateAsync<int>("() => inetkitDemo.received().length");
        Assert.Equal(all, await page.EvaluateAsync<int>("() => document.querySelectorAll('#events g.event').length"));
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task NumbersThatCannotBe_TheServersOneLineIsShown()
    {
        Browser.RequireChromium();
        await using DemoWebServer server = await StartInsideAsync();
        await using BrowserPage page = await (await shared.GetAsync()).OpenAsync(new Uri(server.Url, "?example=udp-echo"));
        await page.WaitForAsync(Ready);
        await page.FillAsync("#duplicate", "250");

        await page.ClickAsync("#play");
        await page.WaitForAsync("document.body.dataset.state === 'error'");

        Assert.Equal("udp-echo: duplicate=250: give a percentage from 0 to 100", await page.EvaluateAsync<string>("() => document.getElementById('status').textContent"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('#events g.event').length"));
    }
}
