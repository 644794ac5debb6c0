using System.Text.Json.Nodes;

namespace Inetkit.Tests.Support;

/// <summary>A scan's JSON report without what differs between two runs of the same scan, or between a scan and its shards' merge.</summary>
internal static class ReportJson
{
    /// <summary>The report less its times, its command line and its record of sources.</summary>
    public static JsonNode Timeless(JsonNode report)
    {
        foreach (string key in new[] { "started", "elapsed_s", "ports_per_s" })
        {
            report["summary"]!.AsObject().Remove(key);
        }
        report.AsObject().Remove("args");
        report["scan"]!.AsObject().Remove("merged_from");
        return report;
    }
}
