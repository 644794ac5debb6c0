using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Inetkit.Scanning.Reports;

namespace Inetkit.Scanning.Merging;

/// <summary>Reads what <see cref="NmapXmlWriter"/> wrote: nmap's elements for the results, Inetkit's own element for the rest.</summary>
internal static class XmlReportReader
{
    public static ReadReport Read(string path, Stream stream)
    {
        // nmap's DOCTYPE names no DTD to fetch; nothing external is ever resolved.
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
        XElement root = XDocument.Load(reader).Root ?? throw new FormatException("empty document");
        if (root.Name != "nmaprun")
        {
            throw new FormatException($"its root is <{root.Name}>, not <nmaprun>");
        }
        XElement inetkit = root.Element("inetkit")
            ?? throw new ReportMergeException($"{path}: {(string?)root.Attribute("scanner") ?? "an unknown scanner"}'s XML without Inetkit's shard record; merge reads the reports of inetkit scan --format xml");
        List<int> tcp = [], udp = [];
        TcpScanType type = TcpScanType.Connect;
        foreach (XElement info in root.Elements("scaninfo"))
        {
            List<int> ports = PortRangeText.Parse(Required(info, "services"));
            if (Required(info, "protocol") == "udp")
            {
                udp = ports;
            }
            else
            {
                tcp = ports;
                type = ReportReader.ScanType(Required(info, "type"));
            }
        }
        bool keptAll = Required(inetkit, "show-closed") == "true";
        var hosts = new List<HostReport>();
        foreach (XElement host in root.Elements("host"))
        {
            hosts.Add(ReadHost(host, keptAll));
        }
        var plan = new ScanPlan(hosts.Select(h => h.Host).ToList(), tcp, udp, ScanShard.Parse(Required(inetkit, "shard"))) { TcpScan = type };
        DateTimeOffset started = Epoch(Required(root, "start"));
        XElement finished = root.Element("runstats")?.Element("finished") ?? throw new FormatException("no <runstats><finished>");
        var report = new ScanReport(
            plan, hosts, started, started + TimeSpan.FromSeconds(double.Parse(Required(finished, "elapsed"), CultureInfo.InvariantCulture)),
            long.Parse(Required(inetkit, "probes"), CultureInfo.InvariantCulture), Required(inetkit, "complete") == "true",
            inetkit.Elements("notice").Select(n => n.Value).ToList())
        {
            KeptAll = keptAll,
            Authorization = inetkit.Element("authorization") is { } a
                ? new ReportAuthorization(Required(a, "authorized-by"), Required(a, "reference"), DateOnly.ParseExact(Required(a, "expires"), "yyyy-MM-dd", CultureInfo.InvariantCulture))
                : null,
            Sources = inetkit.Elements("source").Select(s => new ReportSource(Required(s, "file"), ScanShard.Parse(Required(s, "shard")), Required(s, "complete") == "true")).ToList(),
            MissingShards = inetkit.Elements("missing").Select(m => ScanShard.Parse(Required(m, "shard"))).ToList(),
        };
        return new ReadReport(path, report, Required(root, "args"));
    }

    private static HostReport ReadHost(XElement element, bool keptAll)
    {
        XElement address = element.Element("address") ?? throw new FormatException("a <host> without <address>");
        string? name = element.Element("hostnames")?.Elements("hostname").FirstOrDefault(h => (string?)h.Attribute("type") == "user")?.Attribute("name")?.Value;
        var host = new HostReport(ReportReader.Host(Required(address, "addr"), name), keptAll);
        DateTimeOffset started = Epoch(Required(element, "starttime"));
        XElement ports = element.Element("ports") ?? throw new FormatException("a <host> without <ports>");
        foreach (XElement port in ports.Elements("port"))
        {
            XElement state = port.Element("state") ?? throw new FormatException("a <port> without <state>");
            var result = new PortResult(host.Host.Address, ReportReader.Protocol(Required(port, "protocol")), int.Parse(Required(port, "portid"), CultureInfo.InvariantCulture),
                ReportReader.State(Required(state, "state")), Required(state, "reason"))
            {
                Banner = port.Elements("script").FirstOrDefault(s => (string?)s.Attribute("id") == "banner")?.Attribute("output")?.Value,
            };
            host.Add(result, started);
        }
        foreach (XElement extra in ports.Elements("extraports"))
        {
            PortState state = ReportReader.State(Required(extra, "state"));
            foreach (XElement reason in extra.Elements("extrareasons"))
            {
                host.AddCounted(state, ReportReader.Protocol(Required(reason, "proto")), Required(reason, "reason"), int.Parse(Required(reason, "count"), CultureInfo.InvariantCulture));
            }
        }
        XElement status = element.Element("status") ?? throw new FormatException("a <host> without <status>");
        // A loopback host is "localhost-response" whatever answered first; the reason kept is then its first port's.
        string? upReason = Required(status, "state") == "up" && !host.Host.IsLoopback ? Required(status, "reason") : null;
        host.Restore(upReason, started, Epoch(Required(element, "endtime")));
        return host;
    }

    private static string Required(XElement element, string attribute) =>
        element.Attribute(attribute)?.Value ?? throw new FormatException($"<{element.Name}> has no {attribute}=\"\"");

    private static DateTimeOffset Epoch(string seconds) => DateTimeOffset.FromUnixTimeSeconds(long.Parse(seconds, CultureInfo.InvariantCulture));
}
