using System.Globalization;
using System.Net.Sockets;
using System.Xml;
using Inetkit.Protocol;

namespace Inetkit.Scanning.Reports;

/// <summary>
/// nmap's XML output format (nmaprun, scaninfo, host, status, address, hostnames, ports with extraports and
/// port/state/service, runstats), so that tools built for nmap read Inetkit's scans, and <c>ndiff</c> compares an
/// Inetkit scan with an nmap scan of the same host. States are listed and summarised by nmap's rule.
/// </summary>
public static class NmapXmlWriter
{
    /// <summary>Writes <paramref name="report"/>.</summary>
    public static void Write(ScanReport report, ReportContext context, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(output);
        // The DOCTYPE is written as text: an XmlWriter at ConformanceLevel.Fragment throws on WriteDocType.
        output.Write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n");
        using var xml = XmlWriter.Create(output, new XmlWriterSettings { OmitXmlDeclaration = true, ConformanceLevel = ConformanceLevel.Fragment, NewLineChars = "\n", CloseOutput = false });
        xml.WriteComment($" Inetkit {context.Version} scan initiated {Ctime(report.Started)} as: {context.CommandLine.Replace("--", "- -", StringComparison.Ordinal)} ");
        Line(xml);
        xml.WriteStartElement("nmaprun");
        xml.WriteAttributeString("scanner", "inetkit");
        xml.WriteAttributeString("args", context.CommandLine);
        xml.WriteAttributeString("start", Epoch(report.Started));
        xml.WriteAttributeString("startstr", Ctime(report.Started));
        xml.WriteAttributeString("version", context.Version);
        xml.WriteAttributeString("xmloutputversion", "1.05");
        Line(xml);
        WriteScanInfo(xml, report.Plan.TcpScan.Name(), "tcp", report.Plan.TcpPorts);
        WriteScanInfo(xml, "udp", "udp", report.Plan.UdpPorts);
        WriteInetkit(xml, report);
        Empty(xml, "verbose", ("level", "0"));
        Empty(xml, "debugging", ("level", "0"));
        foreach (HostReport host in report.Hosts)
        {
            WriteHost(xml, host, context, report);
        }
        xml.WriteStartElement("runstats");
        xml.WriteStartElement("finished");
        int up = report.Hosts.Count(h => h.IsUp);
        string elapsed = report.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
        xml.WriteAttributeString("time", Epoch(report.Finished));
        xml.WriteAttributeString("timestr", Ctime(report.Finished));
        xml.WriteAttributeString("summary", $"Inetkit done at {Ctime(report.Finished)}; {report.Hosts.Count} IP address{(report.Hosts.Count == 1 ? "" : "es")} ({up} host{(up == 1 ? "" : "s")} up) scanned in {elapsed} seconds");
        xml.WriteAttributeString("elapsed", elapsed);
        xml.WriteAttributeString("exit", report.Complete ? "success" : "error");
        xml.WriteEndElement();
        Empty(xml, "hosts", ("up", Number(up)), ("down", Number(report.Hosts.Count - up)), ("total", Number(report.Hosts.Count)));
        xml.WriteEndElement();
        Line(xml);
        xml.WriteEndElement();
        Line(xml);
    }

    private static void WriteScanInfo(XmlWriter xml, string type, string protocol, IReadOnlyList<int> ports)
    {
        if (ports.Count > 0)
        {
            Empty(xml, "scaninfo", ("type", type), ("protocol", protocol), ("numservices", Number(ports.Count)), ("services", PortRangeText.Format(ports)));
        }
    }

    /// <summary>
    /// What only Inetkit records, in an element of its own that nmap's readers pass over: the shard, whether the scan
    /// finished and kept every port, its authorization, and for a merged report its sources (what <c>inetkit merge</c> reads back).
    /// </summary>
    private static void WriteInetkit(XmlWriter xml, ScanReport report)
    {
        xml.WriteStartElement("inetkit");
        xml.WriteAttributeString("shard", report.Plan.Shard.ToText());
        xml.WriteAttributeString("complete", report.Complete ? "true" : "false");
        xml.WriteAttributeString("show-closed", report.KeptAll ? "true" : "false");
        xml.WriteAttributeString("probes", Number(report.Probes));
        Line(xml);
        if (report.Authorization is { } authorization)
        {
            Empty(xml, "authorization", ("authorized-by", authorization.AuthorizedBy), ("reference", authorization.Reference), ("expires", authorization.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        }
        foreach (string notice in report.Notices)
        {
            xml.WriteElementString("notice", notice);
            Line(xml);
        }
        foreach (ReportSource source in report.Sources)
        {
            Empty(xml, "source", ("file", source.File), ("shard", source.Shard.ToText()), ("complete", source.Complete ? "true" : "false"));
        }
        foreach (ScanShard missing in report.MissingShards)
        {
            Empty(xml, "missing", ("shard", missing.ToText()));
        }
        xml.WriteEndElement();
        Line(xml);
    }

    private static void WriteHost(XmlWriter xml, HostReport host, ReportContext context, ScanReport report)
    {
        xml.WriteStartElement("host");
        xml.WriteAttributeString("starttime", Epoch(host.Started ?? report.Started));
        xml.WriteAttributeString("endtime", Epoch(host.Finished ?? report.Finished));
        xml.WriteStartElement("status");
        xml.WriteAttributeString("state", host.IsUp ? "up" : "down");
        xml.WriteAttributeString("reason", host.Host.IsLoopback ? "localhost-response" : host.UpReason ?? "no-response");
        xml.WriteAttributeString("reason_ttl", "0");
        xml.WriteEndElement();
        Line(xml);
        Empty(xml, "address", ("addr", host.Host.Address.ToString()), ("addrtype", host.Host.Address.AddressFamily == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4"));
        xml.WriteStartElement("hostnames");
        Line(xml);
        if (host.Host.Name is { } name)
        {
            Empty(xml, "hostname", ("name", name), ("type", "user"));
        }
        xml.WriteEndElement();
        Line(xml);
        xml.WriteStartElement("ports");
        foreach (PortState state in ReportContext.States.Where(s => host.Count(s) > 0 && !context.ListsNmapStyle(host, s)))
        {
            xml.WriteStartElement("extraports");
            xml.WriteAttributeString("state", state.Name());
            xml.WriteAttributeString("count", Number(host.Count(state)));
            Line(xml);
            foreach ((Transport protocol, string reason, int count) in host.Reasons(state))
            {
                Empty(xml, "extrareasons", ("reason", reason), ("count", Number(count)), ("proto", ReportContext.ProtocolName(protocol)));
            }
            xml.WriteEndElement();
            Line(xml);
        }
        foreach (PortResult port in host.Ports.Where(p => context.ListsNmapStyle(host, p.State)))
        {
            WritePort(xml, port, context);
        }
        xml.WriteEndElement();
        Line(xml);
        xml.WriteEndElement();
        Line(xml);
    }

    private static void WritePort(XmlWriter xml, PortResult port, ReportContext context)
    {
        xml.WriteStartElement("port");
        xml.WriteAttributeString("protocol", ReportContext.ProtocolName(port.Protocol));
        xml.WriteAttributeString("portid", Number(port.Port));
        xml.WriteStartElement("state");
        xml.WriteAttributeString("state", port.State.Name());
        xml.WriteAttributeString("reason", port.Reason);
        xml.WriteAttributeString("reason_ttl", "0");
        xml.WriteEndElement();
        if (context.ServiceName(port) is { } service)
        {
            xml.WriteStartElement("service");
            xml.WriteAttributeString("name", service);
            xml.WriteAttributeString("method", "table");
            xml.WriteAttributeString("conf", "3");
            xml.WriteEndElement();
        }
        if (port.Banner is { } banner)
        {
            // Where nmap's banner script puts what a service said first.
            xml.WriteStartElement("script");
            xml.WriteAttributeString("id", "banner");
            xml.WriteAttributeString("output", banner);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
        Line(xml);
    }

    private static void Empty(XmlWriter xml, string name, params (string Name, string Value)[] attributes)
    {
        xml.WriteStartElement(name);
        foreach ((string attribute, string value) in attributes)
        {
            xml.WriteAttributeString(attribute, value);
        }
        xml.WriteEndElement();
        Line(xml);
    }

    private static void Line(XmlWriter xml) => xml.WriteWhitespace("\n");

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Epoch(DateTimeOffset time) => Number(time.ToUnixTimeSeconds());

    private static string Ctime(DateTimeOffset time) => DaytimeFormat.Ctime.FormatText(time);
}
