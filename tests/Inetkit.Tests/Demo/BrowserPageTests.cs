using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo;

/// <summary>
/// The browser harness itself, on a page this test serves on loopback: it loads, its script's events reach the DOM
/// in order (awaited, not slept for), a screenshot is written, and requests beyond loopback are refused.
/// </summary>
public sealed class BrowserPageTests(SharedBrowser shared) : IClassFixture<SharedBrowser>
{
    // Events come first from a fetch, then over a WebSocket, as a live page would get them; each becomes a list item.
    private const string Page = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>harness</title></head>
        <body>
          <h1>Events</h1>
          <ol id="events"></ol>
          <script>
            const list = document.getElementById("events");
            const add = text => { const item = document.createElement("li"); item.textContent = text; list.appendChild(item); };
            fetch("/events").then(r => r.json()).then(events => {
              events.forEach(add);
              const socket = new WebSocket(`ws://${location.host}/live`);
              socket.onmessage = m => add(m.data);
              socket.onclose = () => document.body.dataset.done = "yes";
            });
          </script>
        </body></html>
        """;

    private static readonly Dictionary<string, (string, string)> Pages = new()
    {
        ["/"] = ("text/html; charset=utf-8", Page),
        ["/events"] = ("application/json", """["connect 127.0.0.1:7","send hello"]"""),
    };

    private static readonly Dictionary<string, string[]> Sockets = new() { ["/live"] = ["receive hello", "close"] };

    [Fact]
    public async Task ALoopbackPage_ItsEventsReachTheDom_InOrder_AndAScreenshotIsWritten()
    {
        Browser.RequireChromium();
        await using LoopbackSite site = await LoopbackSite.StartAsync(Pages, Sockets);
        await using BrowserPage page = await (await shared.GetAsync()).OpenAsync(site.Root);

        await page.WaitForAsync("document.body.dataset.done === 'yes'");

        string[] events = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#events li')].map(li => li.textContent)");
        Assert.Equal(["connect 127.0.0.1:7", "send hello", "receive hello", "close"], events);
        Assert.Empty(page.Errors);
        Assert.Empty(page.Refused);
        string directory = Directory.CreateTempSubdirectory("inetkit-browser-").FullName;
        try
        {
            string png = Path.Combine(directory, "page.png");
            await page.ScreenshotAsync(png);
            byte[] header = new byte[8];
            await using (FileStream file = File.OpenRead(png))
            {
                await file.ReadExactlyAsync(header, TestContext.Current.CancellationToken);
            }
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, header);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task RequestsBeyondLoopback_AreRefused_BeforeTheyLeave()
    {
        Browser.RequireChromium();
        // .invalid never resolves (RFC 6761), and the browser resolves no name but localhost besides.
        const string Away = "http://inetkit.invalid/x";
        await using LoopbackSite site = await LoopbackSite.StartAsync(new Dictionary<string, (string, string)> { ["/"] = ("text/html", "<p>away</p>") });
        await using BrowserPage page = await (await shared.GetAsync()).OpenAsync(site.Root);

        string fetched = await page.EvaluateAsync<string>("url => fetch(url).then(() => 'answered', e => 'failed: ' + e.message)", Away);
        string socket = await page.EvaluateAsync<string>("""
            url => new Promise(done => { const s = new WebSocket(url); s.onopen = () => done("open"); s.onclose = () => done("closed"); })
            """, "ws://inetkit.invalid/live");

        Assert.StartsWith("failed", fetched, StringComparison.Ordinal);
        Assert.Equal("closed", socket);
        Assert.Equal([Away, "ws://inetkit.invalid/live"], page.Refused);
    }

    [Fact]
    public async Task AWaitThatNeverComesTrue_FailsNamingItsCondition()
    {
        Browser.RequireChromium();
        await using LoopbackSite site = await LoopbackSite.StartAsync(Pages, Sockets);
        await using BrowserPage page = await (await shared.GetAsync()).OpenAsync(site.Root);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => page.WaitForAsync("document.title === 'never'", TimeSpan.FromSeconds(1)));

        Assert.Contains("document.title === 'never'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Events", failure.Message, StringComparison.Ordinal);
    }
}
