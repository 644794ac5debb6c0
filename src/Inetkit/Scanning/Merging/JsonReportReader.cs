using System.Globalization;
using System.Text.Json;
using Inetkit.Scanning.Reports;

namespace Inetkit.Scanning.Merging;

/// <summary>Reads what <see cref="JsonReportWriter"/> wrote: listed ports, and the summarised ones from <c>reasons</c> and <c>unlisted</c>.</summary>
internal static class JsonReportReader
{
    public static ReadReport Read(string path, Stream stream)
    {
        using JsonDocument document = JsonDocument.Parse(stream);
        JsonElement root = document.RootElement;
        if (!root.TryGetProperty("scan", out JsonElement scan))
        {
            throw new ReportMergeException($"{path}: JSON without Inetkit's \"scan\" record; merge reads the reports of inetkit scan --format json");
        }
        bool keptAll = scan.GetProperty("show_closed").GetBoolean();
        var hosts = root.GetProperty("hosts").EnumerateArray().Select(h => ReadHost(h, keptAll)).ToList();
        var plan = new ScanPlan(hosts.Select(h => h.Host).ToList(), PortRangeText.Parse(Text(scan, "tcp_ports")), PortRangeText.Parse(Text(scan, "udp_ports")), ScanShard.Parse(Text(scan, "shard")))
        {
            TcpScan = ReportReader.ScanType(Text(scan, "tcp_type")),
        };
        JsonElement summary = root.GetProperty("summary");
        DateTimeOffset started = DateTimeOffset.Parse(Text(summary, "started"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var report = new ScanReport(plan, hosts, started, started + TimeSpan.FromSeconds(summary.GetProperty("elapsed_s").GetDouble()),
            summary.GetProperty("probes").GetInt64(), summary.GetProperty("complete").GetBoolean(),
            summary.GetProperty("notices").EnumerateArray().Select(n => n.GetString() ?? "").ToList())
        {
            KeptAll = keptAll,
            Authorization = scan.GetProperty("authorization") is { ValueKind: JsonValueKind.Object } a
                ? new ReportAuthorization(Text(a, "authorized_by"), Text(a, "reference"), DateOnly.ParseExact(Text(a, "expires"), "yyyy-MM-dd", CultureInfo.InvariantCulture))
                : null,
            Sources = scan.GetProperty("merged_from").EnumerateArray().Select(s => new ReportSource(Text(s, "file"), ScanShard.Parse(Text(s, "shard")), s.GetProperty("complete").GetBoolean())).ToList(),
            MissingShards = scan.GetProperty("missing_shards").EnumerateArray().Select(m => ScanShard.Parse(m.GetString() ?? "")).ToList(),
        };
        return new ReadReport(path, report, Text(root, "args"));
    }

    private static HostReport ReadHost(JsonElement element, bool keptAll)
    {
        string? name = element.TryGetProperty("name", out JsonElement n) ? n.GetString() : null;
        var host = new HostReport(ReportReader.Host(Text(element, "address"), name), keptAll);
        foreach (JsonElement port in element.GetProperty("ports").EnumerateArray())
        {
            host.Add(Port(host, port) with { Banner = port.TryGetProperty("banner", out JsonElement b) ? b.GetString() : null }, default);
        }
        var unlisted = element.GetProperty("unlisted").EnumerateArray().Select(p => Port(host, p)).ToList();
        foreach (JsonElement reason in element.GetProperty("reasons").EnumerateArray())
        {
            PortState state = ReportReader.State(Text(reason, "state"));
            Protocol.Transport protocol = ReportReader.Protocol(Text(reason, "protocol"));
            string why = Text(reason, "reason");
            int listed = unlisted.Count(p => p.State == state && p.Protocol == protocol && p.Reason == why);
            host.AddCounted(state, protocol, why, reason.GetProperty("count").GetInt32() - listed);
        }
        foreach (PortResult port in unlisted)
        {
            host.Add(port, default);
        }
        // JSON keeps no per-host times: the host's are left unknown and the report's stand for them.
        string? upReason = element.TryGetProperty("status_reason", out JsonElement r) ? r.GetString() : null;
        host.Restore(upReason, null, null);
        return host;
    }

    private static PortResult Port(HostReport host, JsonElement port) =>
        new(host.Host.Address, ReportReader.Protocol(Text(port, "protocol")), port.GetProperty("port").GetInt32(), ReportReader.State(Text(port, "state")), Text(port, "reason"));

    private static string Text(JsonElement element, string property) =>
        element.GetProperty(property).GetString() ?? throw new FormatException($"\"{property}\" is null");
}
