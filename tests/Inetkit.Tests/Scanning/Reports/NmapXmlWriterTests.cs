using System.Net;
using System.Xml;
using System.Xml.Linq;
using Inetkit.Scanning;
using Inetkit.Scanning.Reports;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning.Reports;

/// <summary>
/// nmap's XML from real scans of loopback: well-formed, with the elements and attributes where nmap writes them
/// (Interop/NmapInteropTests compares it with nmap's own output through ndiff).
/// </summary>
public sealed class NmapXmlWriterTests
{
    [Fact]
    public async Task Document_IsWellFormed_WithNmapsProlog()
    {
        using var timeout = TestTimeout.Create();
        ScanReport report = await LoopbackScan.RunAsync(ClosedPort.Tcp(1), [], timeout.Token);

        string xml = LoopbackScan.Render(NmapXmlWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan 127.0.0.1 --format xml"));

        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n<!-- Inetkit ", xml, StringComparison.Ordinal);
        // "--" may not appear inside an XML comment: the command line is written there with "- -", as nmap does.
        Assert.Contains(" as: inetkit scan 127.0.0.1 - -format xml -->", xml, StringComparison.Ordinal);
        Assert.Equal("nmaprun", Load(xml).Root!.Name.LocalName);
    }

    [Fact]
    public async Task ManyClosed_AreExtraports_OpenArePorts_AsNmapWritesThem()
    {
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(2);
        int[] closed = ClosedPort.Tcp(30);
        int[] all = [.. listeners.Ports, .. closed];
        ScanReport report = await LoopbackScan.RunAsync(all, [], timeout.Token);
        var context = new ReportContext(LoopbackScan.Names(("alpha", listeners.Ports[0], "tcp")), "inetkit scan 127.0.0.1");

        XElement run = Load(LoopbackScan.Render(NmapXmlWriter.Write, report, context)).Root!;

        Assert.Equal(("inetkit", "inetkit scan 127.0.0.1", "1.05"), ((string?)run.Attribute("scanner"), (string?)run.Attribute("args"), (string?)run.Attribute("xmloutputversion")));
        Assert.Equal(report.Started.ToUnixTimeSeconds(), (long)run.Attribute("start")!);
        Assert.NotNull(run.Attribute("startstr"));
        Assert.NotNull(run.Attribute("version"));
        Assert.Equal(["scaninfo", "inetkit", "verbose", "debugging", "host", "runstats"], run.Elements().Select(e => e.Name.LocalName));
        AssertAttributes(run.Element("scaninfo")!, ("type", "connect"), ("protocol", "tcp"), ("numservices", "32"), ("services", PortRangeText.Format(all.Order())));
        AssertAttributes(run.Element("verbose")!, ("level", "0"));
        AssertAttributes(run.Element("debugging")!, ("level", "0"));

        XElement host = run.Element("host")!;
        Assert.NotNull(host.Attribute("starttime"));
        Assert.NotNull(host.Attribute("endtime"));
        Assert.Equal(["status", "address", "hostnames", "ports"], host.Elements().Select(e => e.Name.LocalName));
        AssertAttributes(host.Element("status")!, ("state", "up"), ("reason", "localhost-response"), ("reason_ttl", "0"));
        AssertAttributes(host.Element("address")!, ("addr", "127.0.0.1"), ("addrtype", "ipv4"));
        Assert.Empty(host.Element("hostnames")!.Elements());

        XElement ports = host.Element("ports")!;
        Assert.Equal(["extraports", "port", "port"], ports.Elements().Select(e => e.Name.LocalName));
        XElement extra = ports.Element("extraports")!;
        AssertAttributes(extra, ("state", "closed"), ("count", "30"));
        AssertAttributes(Assert.Single(extra.Elements("extrareasons")), ("reason", "conn-refused"), ("count", "30"), ("proto", "tcp"));
        XElement[] open = [.. ports.Elements("port")];
        AssertAttributes(open[0], ("protocol", "tcp"), ("portid", listeners.Ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture)));
        AssertAttributes(open[0].Element("state")!, ("state", "open"), ("reason", "syn-ack"), ("reason_ttl", "0"));
        AssertAttributes(open[0].Element("service")!, ("name", "alpha"), ("method", "table"), ("conf", "3"));
        Assert.Equal(listeners.Ports[1], (int)open[1].Attribute("portid")!);
        Assert.Null(open[1].Element("service")); // nmap writes no service for a port its table does not name

        XElement stats = run.Element("runstats")!;
        XElement finished = stats.Element("finished")!;
        Assert.Equal("success", (string?)finished.Attribute("exit"));
        Assert.Matches(@"^Inetkit done at .+; 1 IP address \(1 host up\) scanned in \d+\.\d\d seconds$", (string?)finished.Attribute("summary"));
        Assert.Equal(["time", "timestr", "summary", "elapsed", "exit"], finished.Attributes().Select(a => a.Name.LocalName));
        AssertAttributes(stats.Element("hosts")!, ("up", "1"), ("down", "0"), ("total", "1"));
    }

    [Fact]
    public async Task FewClosed_AreListedPortByPort_NoExtraports()
    {
        using var timeout = TestTimeout.Create();
        int[] closed = ClosedPort.Tcp(25);
        ScanReport report = await LoopbackScan.RunAsync(closed, [], timeout.Token);

        XElement ports = Load(LoopbackScan.Render(NmapXmlWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan"))).Root!.Element("host")!.Element("ports")!;

        Assert.Empty(ports.Elements("extraports"));
        Assert.Equal(closed, ports.Elements("port").Select(p => (int)p.Attribute("portid")!));
        Assert.All(ports.Elements("port"), p => AssertAttributes(p.Element("state")!, ("state", "closed"), ("reason", "conn-refused"), ("reason_ttl", "0")));
    }

    [Fact]
    public async Task Udp_IPv6_HostName_AndBanner()
    {
        using var timeout = TestTimeout.Create();
        await using var talker = RawTcpPeer.SendAndClose("+OK inetkit test <1@x>\r\n"u8.ToArray(), ipv6: true);
        await using var echo = RawUdpPeer.Echo(ipv6: true);
        ScanReport report = await LoopbackScan.RunAsync([talker.EndPoint.Port], [echo.EndPoint.Port], timeout.Token, host: new ScanHost(IPAddress.IPv6Loopback, "localhost"), banner: true);

        XElement run = Load(LoopbackScan.Render(NmapXmlWriter.Write, report, new ReportContext(ServiceNames.FromText(""), "inetkit scan localhost -p T:1,U:2") { Banners = true })).Root!;

        Assert.Equal(["connect/tcp", "udp/udp"], run.Elements("scaninfo").Select(s => $"{s.Attribute("type")!.Value}/{s.Attribute("protocol")!.Value}"));
        XElement host = run.Element("host")!;
        AssertAttributes(host.Element("address")!, ("addr", "::1"), ("addrtype", "ipv6"));
        AssertAttributes(Assert.Single(host.Element("hostnames")!.Elements()), ("name", "localhost"), ("type", "user"));
        XElement[] ports = [.. host.Element("ports")!.Elements("port")];
        Assert.Equal(["tcp", "udp"], ports.Select(p => p.Attribute("protocol")!.Value));
        AssertAttributes(ports[0].Element("script")!, ("id", "banner"), ("output", "+OK inetkit test <1@x>"));
        AssertAttributes(ports[1].Element("state")!, ("state", "open"), ("reason", "udp-response"), ("reason_ttl", "0"));
    }

    private static XDocument Load(string xml)
    {
        // The DOCTYPE names no DTD; ignoring it keeps the reader safe and still checks well-formedness.
        using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static void AssertAttributes(XElement element, params (string Name, string Value)[] expected) =>
        Assert.Equal(expected, element.Attributes().Select(a => (a.Name.LocalName, a.Value)));
}
