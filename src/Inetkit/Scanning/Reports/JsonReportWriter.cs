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
