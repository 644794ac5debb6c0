using System.Text.Json;
using Inetkit.Protocol;

namespace Inetkit.Scanning.Reports;

/// <summary>
/// The JSON report: <c>{"hosts":[{"address","status","ports":[{"port","protocol","state","service"}]}],"summary":{...}}</c>;
/// open and open|filtered ports listed, closed and filtered counted per host (listed too with <c>--show-closed</c>).
/// </summary>
public static class JsonReportWriter
{
    /// <summary>Writes <paramref name="report"/> as one JSON document and a newline.</summary>
    public static void Write(ScanReport report, ReportContext context, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(output);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("scanner", "inetkit");
            json.WriteString("version", context.Version);
            json.WriteString("args", context.CommandLine);
            WriteScanInfo(json, report.Plan);
            WriteScan(json, report);
            json.WriteStartArray("hosts");
            foreach (HostReport host in report.Hosts)
            {
                WriteHost(json, host, context);
            }
            json.WriteEndArray();
            WriteSummary(json, report);
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void WriteHost(Utf8JsonWriter json, HostReport host, ReportContext context)
    {
        json.WriteStartObject();
        json.WriteString("address", host.Host.Address.ToString());
        if (host.Host.Name is { } name)
        {
            json.WriteString("name", name);
        }
        json.WriteString("status", host.IsUp ? "up" : "down");
        if (!host.Host.IsLoopback && host.UpReason is { } upReason)
        {
            json.WriteString("status_reason", upReason);
        }
        json.WriteStartArray("ports");
        foreach (PortResult port in host.Ports.Where(p => context.ListsOpenOnly(p.State)))
        {
            json.WriteStartObject();
            json.WriteNumber("port", port.Port);
            json.WriteString("protocol", ReportContext.ProtocolName(port.Protocol));
            json.WriteString("state", port.State.Name());
            json.WriteString("service", context.ServiceName(port));
            json.WriteString("reason", port.Reason);
            if (port.Banner is not null)
            {
                json.WriteString("banner", port.Banner);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        foreach (PortState state in ReportContext.States)
        {
            json.WriteStartObject(Key(state));
            json.WriteNumber("tcp", host.Count(state, Transport.Tcp));
            json.WriteNumber("udp", host.Count(state, Transport.Udp));
            json.WriteEndObject();
        }
        WriteSummarised(json, host, context);
        json.WriteEndObject();
    }

    /// <summary>
    /// The states <c>ports</c> leaves out, as the XML has them: counts by protocol and reason, and the ports themselves
    /// where nmap's rule lists them (<c>unlisted</c>), so that a JSON report read back (by <c>inetkit merge</c>) is whole.
    /// </summary>
    private static void WriteSummarised(Utf8JsonWriter json, HostReport host, ReportContext context)
    {
        json.WriteStartArray("reasons");
        foreach (PortState state in ReportContext.States.Where(s => !context.ListsOpenOnly(s)))
        {
            foreach ((Transport protocol, string reason, int count) in host.Reasons(state))
            {
                json.WriteStartObject();
                json.WriteString("state", state.Name());
                json.WriteString("protocol", ReportContext.ProtocolName(protocol));
                json.WriteString("reason", reason);
                json.WriteNumber("count", count);
                json.WriteEndObject();
            }
        }
        json.WriteEndArray();
        json.WriteStartArray("unlisted");
        foreach (PortResult port in host.Ports.Where(p => !context.ListsOpenOnly(p.State) && context.ListsNmapStyle(host, p.State)))
        {
            json.WriteStartObject();
            json.WriteNumber("port", port.Port);
            json.WriteString("protocol", ReportContext.ProtocolName(port.Protocol));
            json.WriteString("state", port.State.Name());
            json.WriteString("reason", port.Reason);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>What the scan was (ports, shard, kept ports, authorization) and, for a merged report, what it was made from.</summary>
    private static void WriteScan(Utf8JsonWriter json, ScanReport report)
    {
        json.WriteStartObject("scan");
        json.WriteString("tcp_ports", PortRangeText.Format(report.Plan.TcpPorts));
        json.WriteString("udp_ports", PortRangeText.Format(report.Plan.UdpPorts));
        json.WriteString("tcp_type", report.Plan.TcpScan.Name());
        json.WriteString("shard", report.Plan.Shard.ToText());
        json.WriteBoolean("show_closed", report.KeptAll);
        if (report.Authorization is { } authorization)
        {
            json.WriteStartObject("authorization");
            json.WriteString("authorized_by", authorization.AuthorizedBy);
            json.WriteString("reference", authorization.Reference);
            json.WriteString("expires", authorization.Expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("authorization");
        }
        json.WriteStartArray("merged_from");
        foreach (ReportSource source in report.Sources)
        {
            json.WriteStartObject();
            json.WriteString("file", source.File);
            json.WriteString("shard", source.Shard.ToText());
            json.WriteBoolean("complete", source.Complete);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("missing_shards");
        foreach (ScanShard missing in report.MissingShards)
        {
            json.WriteStringValue(missing.ToText());
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>As the XML's scaninfo: each protocol scanned and how (connect or syn for TCP, udp).</summary>
    private static void WriteScanInfo(Utf8JsonWriter json, ScanPlan plan)
    {
        json.WriteStartArray("scaninfo");
        foreach ((string type, string protocol, int count) in new[] { (plan.TcpScan.Name(), "tcp", plan.TcpPorts.Count), ("udp", "udp", plan.UdpPorts.Count) }.Where(s => s.Item3 > 0))
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            json.WriteString("protocol", protocol);
            json.WriteNumber("numservices", count);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteSummary(Utf8JsonWriter json, ScanReport report)
    {
        json.WriteStartObject("summary");
        json.WriteNumber("hosts", report.Hosts.Count);
        json.WriteNumber("hosts_up", report.Hosts.Count(h => h.IsUp));
        json.WriteNumber("ports_scanned", report.PortsScanned);
        foreach (PortState state in ReportContext.States)
        {
            json.WriteNumber(Key(state), report.Hosts.Sum(h => (long)h.Count(state)));
        }
        json.WriteNumber("probes", report.Probes);
        json.WriteString("started", report.Started.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("elapsed_s", Math.Round(report.Elapsed.TotalSeconds, 3));
        json.WriteNumber("ports_per_s", report.Elapsed.TotalSeconds > 0 ? Math.Round(report.PortsScanned / report.Elapsed.TotalSeconds, 1) : 0);
        json.WriteBoolean("complete", report.Complete);
        json.WriteStartArray("notices");
        foreach (string notice in report.Notices)
        {
            json.WriteStringValue(notice);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Key(PortState state) => state == PortState.OpenFiltered ? "open_filtered" : state.Name();
}
