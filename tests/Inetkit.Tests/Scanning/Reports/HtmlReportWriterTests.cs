using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Inetkit.Scanning;
using Inetkit.Scanning.Reports;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning.Reports;

/// <summary>
/// The HTML report from real scans of loopback, read back as the XML it also is: its rows and counts, its parameters,
/// authorization and sources, text from the other side as text, and a page that can load nothing and run nothing
/// but its own style and script. <see cref="HtmlReportBrowserTests"/> opens it in Chromium.
/// </summary>
public sealed class HtmlReportWriterTests
{
    [Fact]
    public async Task EveryListedPort_IsARow_InPortOrder_WithItsStateServiceAndReason_AndTheHostsCountsAddUp()
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(2);
        await using var echo = RawUdpPeer.Echo();
        int[] closed = ClosedPort.Tcp(2);
        int udpClosed = ClosedPort.Udp();
        ScanReport report = await LoopbackScan.RunAsync([.. listeners.Ports, .. closed], [echo.EndPoint.Port, udpClosed], timeout.Token);

        XElement page = Page(LoopbackScan.Render(HtmlReportWriter.Write, report, new ReportContext(LoopbackScan.Names(("web", listeners.Ports[0], "tcp")), "inetkit scan 127.0.0.1")));

        // Port order, TCP before UDP where the numbers tie: the order the page's Port header sorts in.
        var expected = new List<(int Port, int Udp, string Row)>();
        expected.AddRange(listeners.Ports.Select(p => (p, 0, $"{p}/tcp open {(p == listeners.Ports[0] ? "web" : "unknown")} syn-ack")));
        expected.AddRange(closed.Select(p => (p, 0, $"{p}/tcp closed unknown conn-refused")));
        expected.Add((echo.EndPoint.Port, 1, $"{echo.EndPoint.Port}/udp open unknown udp-response"));
        expected.Add((udpClosed, 1, $"{udpClosed}/udp closed unknown port-unreach"));
        Assert.Equal(expected.OrderBy(e => e.Port).ThenBy(e => e.Udp).Select(e => e.Row), Rows(page));
        XElement summary = Single(page, "tr", "data-address", "127.0.0.1");
        Assert.Equal(["127.0.0.1", "", "up", "3", "0", "0", "3", "6"], summary.Elements("td").Select(Text));
        Assert.Equal("TCP connect and UDP", Text(ById(page, "type")));
        Assert.Equal("true", (string?)ById(page, "result").Attribute("data-complete"));
        Assert.Equal("Loopback only: no scope needed.", Text(Single(page, "p", "data-scope", "none")));
        Assert.Null(page.Descendants().FirstOrDefault(e => (string?)e.Attribute("id") == "sources"));
    }

    [Fact]
    public async Task ManyClosedPorts_AreCountedNotListed_AsNmapDoes()
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(1);
        int[] closed = ClosedPort.Tcp(HostReport.ListLimit + 1);
        ScanReport report = await LoopbackScan.RunAsync([listeners.Ports[0], .. closed], [], timeout.Token);

        XElement page = Page(LoopbackScan.Render(HtmlReportWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan")));

        Assert.Equal([$"{listeners.Ports[0]}/tcp open unknown syn-ack"], Rows(page));
        Assert.Equal($"Not shown: {HostReport.ListLimit + 1} closed tcp ports (conn-refused)", Text(Single(page, "p", "class", "not-shown")));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(2)> & \"quoted\" 'single'")]
    [InlineData("</code></td></tr></table><style>*{display:none}</style>")]
    [InlineData("]]><!-- &amp; &#60;")]
    public async Task HostileBanner_IsShownAsText_AndAddsNoElement(string banner)
    {
        using var timeout = TestTimeout.Create();
        await using var talker = RawTcpPeer.SendAndClose(Encoding.UTF8.GetBytes(banner + "\r\n"));
        ScanReport report = await LoopbackScan.RunAsync([talker.EndPoint.Port], [], timeout.Token, banner: true);

        XElement page = Page(LoopbackScan.Render(HtmlReportWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan --banner") { Banners = true }));

        Assert.Equal(banner, Text(Single(page, "td", "class", "banner")));
        Assert.Single(page.Descendants("script"));
        Assert.Single(page.Descendants("style"));
        Assert.Empty(page.Descendants("img"));
    }

    [Fact]
    public async Task ControlCharacters_InABanner_AreWrittenAsEscapes()
    {
        using var timeout = TestTimeout.Create();
        await using var talker = RawTcpPeer.SendAndClose([(byte)'a', 0x1b, (byte)'[', (byte)'2', (byte)'J', 0x07, (byte)'b', (byte)'\r', (byte)'\n']);
        ScanReport report = await LoopbackScan.RunAsync([talker.EndPoint.Port], [], timeout.Token, banner: true);

        XElement page = Page(LoopbackScan.Render(HtmlReportWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan --banner") { Banners = true }));

        Assert.Equal("a\\x1b[2J\\x07b", Text(Single(page, "td", "class", "banner")));
    }

    [Fact]
    public async Task Page_RequestsNothing_AndItsPolicyAllowsItsOwnStyleAndScriptByHash_AndNothingElse()
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(1);
        ScanReport report = await LoopbackScan.RunAsync([listeners.Ports[0]], [], timeout.Token);

        XElement page = Page(LoopbackScan.Render(HtmlReportWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan")));

        // Nothing that fetches: no src, no stylesheet link, no URL in a style; the only links are to the page's own sections.
        Assert.DoesNotContain(page.Descendants().Attributes(), a => a.Name.LocalName is "src" or "srcset" or "action" or "poster" or "data");
        Assert.DoesNotContain(page.Descendants(), e => e.Name.LocalName is "link" or "iframe" or "object" or "embed" or "img" or "base");
        Assert.All(page.Descendants().Attributes("href"), a => Assert.StartsWith("#host-", a.Value, StringComparison.Ordinal));
        string style = page.Descendants("style").Single().Value, script = page.Descendants("script").Single().Value;
        Assert.DoesNotContain("url(", style, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", style, StringComparison.Ordinal);
        foreach (string fetch in (string[])["fetch(", "XMLHttpRequest", "WebSocket", "import(", "src", "href"])
        {
            Assert.DoesNotContain(fetch, script, StringComparison.Ordinal);
        }
        string policy = (string)Single(page, "meta", "http-equiv", "Content-Security-Policy").Attribute("content")!;
        Assert.Equal($"default-src 'none'; style-src '{Sha256(style)}'; script-src '{Sha256(script)}'", policy);
    }

    [Fact]
    public async Task Scope_IsShown_WithItsSignatoryReferenceAndExpiry()
    {
        using var listeners = LoopbackListeners.Start(1);
        using var cli = new ScanCli();
        string scope = cli.File("scope.txt", "authorized-by: Jane <Doe> & Co\nreference: TICKET-4242\nexpires: 2099-12-31\n127.0.0.1\n");

        string html = await cli.ReportAsync("report.html", "127.0.0.1", "-p", $"{listeners.Ports[0]}", "--scope", scope, "--format", "html");

        XElement page = Page(File.ReadAllText(html));
        Assert.Equal("Jane <Doe> & Co", Text(ById(page, "authorized-by")));
        Assert.Equal("TICKET-4242", Text(ById(page, "reference")));
        Assert.Equal("2099-12-31", (string?)ById(page, "expires").Element("time")!.Attribute("datetime"));
        Assert.Equal([$"{listeners.Ports[0]}/tcp open unknown syn-ack"], Rows(page));
    }

    [Fact]
    public async Task Merge_ShowsItsShards_AndAPartialMerge_NamesWhatIsMissing_AsIncomplete()
    {
        NmapTools.RequireNothingOn("tcp", 12);
        using var listeners = LoopbackListeners.Start(2);
        using var cli = new ScanCli();
        string ports = PortRangeText.Format([.. Enumerable.Range(1, 12), .. listeners.Ports]);
        string[] shards = await cli.ShardReportsAsync(4, "xml", "127.0.0.1", "-p", ports);
        string whole = Path.Combine(cli.Directory, "whole.html"), partial = Path.Combine(cli.Directory, "partial.html");

        var merged = await CliRunner.RunToEndAsync(["merge", .. shards, "--format", "html", "-o", whole]);
        var some = await CliRunner.RunToEndAsync(["merge", shards[0], shards[1], shards[3], "--partial", "--format", "html", "-o", partial]);

        Assert.True(merged.Code == 0, merged.Err);
        XElement page = Page(File.ReadAllText(whole));
        Assert.Equal(
            shards.Select((s, i) => $"{i + 1}/4 {s} complete"),
            ById(page, "sources").Descendants("tbody").Single().Elements("tr").Select(r => string.Join(' ', r.Elements("td").Select(Text))));
        Assert.Equal("true", (string?)ById(page, "result").Attribute("data-complete"));
        // The services are the shards' (their XML names them, from the scanning machine's services file): not compared here.
        Assert.Equal(
            Enumerable.Range(1, 12).Select(p => $"{p}/tcp closed").Concat(listeners.Ports.Order().Select(p => $"{p}/tcp open")),
            Rows(page).Select(r => string.Join(' ', r.Split(' ').Take(2))));

        Assert.Equal(0, some.Code);
        XElement incomplete = Page(File.ReadAllText(partial));
        Assert.Equal("false", (string?)ById(incomplete, "result").Attribute("data-complete"));
        Assert.Contains("shard 3/4 missing", Text(ById(incomplete, "result")), StringComparison.Ordinal);
        Assert.StartsWith("Missing: shard 3/4.", Text(ById(incomplete, "missing-shards")), StringComparison.Ordinal);
        Assert.Equal(["1/4", "2/4", "4/4"], ById(incomplete, "sources").Descendants("tbody").Single().Elements("tr").Select(r => (string)r.Attribute("data-shard")!));
    }

    [Fact]
    public async Task SynScan_IsNamedSo()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.UserName == "root", "the SYN scan needs raw sockets: root or CAP_NET_RAW (CI runs as root)");
        using var listeners = LoopbackListeners.Start(1);
        using var cli = new ScanCli();

        string html = await cli.ReportAsync("syn.html", "-sS", "127.0.0.1", "-p", $"{listeners.Ports[0]}", "--format", "html");

        XElement page = Page(File.ReadAllText(html));
        Assert.Equal("SYN", Text(ById(page, "type")));
        Assert.Equal([$"{listeners.Ports[0]}/tcp open unknown syn-ack"], Rows(page));
    }

    /// <summary>The page as XML (the writer keeps it well-formed), without the namespace-less HTML doctype getting in the way.</summary>
    private static XElement Page(string html)
    {
        Assert.StartsWith("<!DOCTYPE html>\n", html, StringComparison.Ordinal);
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader).Root!;
    }

    /// <summary>Each port table row as "port/protocol state service reason", in the page's order.</summary>
    private static IEnumerable<string> Rows(XElement page) =>
        page.Descendants("table").Where(t => (string?)t.Attribute("class") == "ports").SelectMany(t => t.Element("tbody")!.Elements("tr"))
            .Select(r => string.Join(' ', r.Elements("td").Take(4).Select(Text)));

    private static XElement ById(XElement page, string id) => Single(page, "*", "id", id);

    private static XElement Single(XElement page, string element, string attribute, string value) =>
        Assert.Single(page.Descendants(), e => (element == "*" || e.Name.LocalName == element) && (string?)e.Attribute(attribute) == value);

    private static string Text(XElement element) => element.Value;

    private static string Sha256(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
