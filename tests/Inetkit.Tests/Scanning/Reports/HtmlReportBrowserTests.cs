using Inetkit.Scanning.Reports;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning.Reports;

/// <summary>
/// <c>inetkit merge --format html</c> of a sharded, scoped scan of loopback, opened from its file in a real browser
/// (Debian's Chromium, headless): the table holds the scan's rows, each sort header orders them as it says, the
/// page's own style and script run under its policy, it asks for nothing, and it shows who signed off and which
/// shards it came from. A screenshot is written (to docs/scan-report-html.png with INETKIT_SCREENSHOTS=docs).
/// </summary>
public sealed class HtmlReportBrowserTests(SharedBrowser shared) : IClassFixture<SharedBrowser>
{
    // Each port row as "port/protocol state service", from its data attributes, in the order the page shows them.
    private const string Rows = "() => [...document.querySelectorAll('table.ports tbody tr')].map(r => `${r.dataset.port}/${r.dataset.protocol} ${r.dataset.state} ${r.dataset.service}`)";

    private const int Closed = 20;

    [Fact]
    public async Task MergedReport_InChromium_HoldsTheScansRows_SortsByEachHeader_AndLoadsNothing()
    {
        NmapTools.RequireNothingOn("tcp", Closed);
        Browser browser = await shared.GetAsync();
        using var listeners = LoopbackListeners.Start(3);
        using var cli = new ScanCli();
        string scope = cli.File("scope.txt", "authorized-by: Jane Doe, network operations\nreference: CHG-2026-1201\nexpires: 2099-12-31\n127.0.0.1\n");
        string ports = PortRangeText.Format([.. Enumerable.Range(1, Closed), .. listeners.Ports]);
        string[] shards = await cli.ShardReportsAsync(4, "xml", "127.0.0.1", "-p", ports, "--scope", scope);
        string html = Path.Combine(cli.Directory, "report.html");
        var merge = await CliRunner.RunToEndAsync(["merge", .. shards, "--format", "html", "-o", html]);
        Assert.True(merge.Code == 0, merge.Err);

        await using BrowserPage page = await browser.OpenAsync(new Uri(html));

        string[] byPort = await page.EvaluateAsync<string[]>(Rows);
        Assert.Equal(
            Enumerable.Range(1, Closed).Select(p => $"{p}/tcp closed").Concat(listeners.Ports.Order().Select(p => $"{p}/tcp open")),
            byPort.Select(r => string.Join(' ', r.Split(' ').Take(2))));
        // The services are what the shards' XML says (the scanning machine's services file); each sort is checked against them.
        var rows = byPort.Select(r => r.Split(' ')).Select(r => (Port: int.Parse(r[0].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture), Row: string.Join(' ', r), State: r[1], Service: r.Length > 2 ? r[2] : "")).ToList();

        await page.ClickAsync("th[data-sort=state] button");
        Assert.Equal(rows.OrderBy(r => r.State == "open" ? 0 : 1).ThenBy(r => r.Port).Select(r => r.Row), await page.EvaluateAsync<string[]>(Rows));
        Assert.Equal("ascending", await page.EvaluateAsync<string>("() => document.querySelector('th[data-sort=state]').getAttribute('aria-sort')"));
        await page.ClickAsync("th[data-sort=state] button");
        Assert.Equal(rows.OrderBy(r => r.State == "open" ? 0 : 1).ThenBy(r => r.Port).Select(r => r.Row).Reverse(), await page.EvaluateAsync<string[]>(Rows));
        await page.ClickAsync("th[data-sort=service] button");
        Assert.Equal(rows.OrderBy(r => r.Service.Length == 0).ThenBy(r => r.Service, StringComparer.Ordinal).ThenBy(r => r.Port).Select(r => r.Row), await page.EvaluateAsync<string[]>(Rows));
        Assert.Null(await page.EvaluateAsync<string?>("() => document.querySelector('th[data-sort=state]').getAttribute('aria-sort')"));
        await page.ClickAsync("th[data-sort=port] button");
        Assert.Equal(byPort, await page.EvaluateAsync<string[]>(Rows));

        // What a reader sees: the cells' text, the state colours (the style sheet applied under its hash), the scope, the shards.
        Assert.Equal(
            $"{listeners.Ports.Min()}/tcp\topen\tunknown\tsyn-ack",
            await page.EvaluateAsync<string>($"() => document.querySelector('tr[data-port=\"{listeners.Ports.Min()}\"]').innerText.trim()"));
        Assert.Equal("rgb(26, 127, 55)", await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('td.state-open')).color"));
        Assert.Equal("rgb(207, 34, 46)", await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('td.state-closed')).color"));
        Assert.Equal("Jane Doe, network operations", await page.EvaluateAsync<string>("() => document.getElementById('authorized-by').innerText"));
        Assert.Equal("CHG-2026-1201", await page.EvaluateAsync<string>("() => document.getElementById('reference').innerText"));
        Assert.Equal(["1/4", "2/4", "3/4", "4/4"], await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#sources tbody tr')].map(r => r.dataset.shard)"));
        Assert.Equal(
            $"{listeners.Ports.Count} open and {Closed} closed",
            await page.EvaluateAsync<string>("() => { const c = s => document.querySelector(`#hosts td[data-state=\"${s}\"]`).innerText; return `${c('open')} open and ${c('closed')} closed`; }"));

        await Screenshots.WriteAsync(page, "scan-report-html.png");
        Assert.Empty(page.Refused);
        Assert.Empty(page.Errors);
    }
}
