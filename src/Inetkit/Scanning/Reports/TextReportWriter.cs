using System.Globalization;

namespace Inetkit.Scanning.Reports;

/// <summary>The terminal report: nmap's layout (PORT, STATE, SERVICE, and BANNER when asked), large states summarised.</summary>
public static class TextReportWriter
{
    /// <summary>Writes <paramref name="report"/>.</summary>
    public static void Write(ScanReport report, ReportContext context, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(output);
        int down = 0;
        foreach (HostReport host in report.Hosts)
        {
            if (!host.IsUp && report.Hosts.Count > 1)
            {
                // As nmap does: a host that answered nothing gets no table of its own, only a count below.
                down++;
                continue;
            }
            string name = host.Host.Name is { } n ? $"{n} ({host.Host.Address})" : host.Host.Address.ToString();
            output.WriteLine($"Inetkit scan report for {name}");
            output.WriteLine(host.IsUp ? "Host is up." : "Host seems down: nothing answered.");
            var hidden = ReportContext.States.Where(s => !context.ListsNmapStyle(host, s) && host.Count(s) > 0).ToList();
            if (hidden.Count > 0)
            {
                output.WriteLine("Not shown: " + string.Join(", ", hidden.SelectMany(s => NotShown(host, s))));
            }
            var rows = host.Ports.Where(p => context.ListsNmapStyle(host, p.State)).ToList();
            if (rows.Count > 0)
            {
                WriteTable(rows, context, output);
            }
            else if (host.Total > 0)
            {
                output.WriteLine($"All {host.Total:N0} scanned ports on {host.Host.Address} are in the states above: none to list.");
            }
            output.WriteLine();
        }
        if (down > 0)
        {
            output.WriteLine($"{down:N0} of {report.Hosts.Count:N0} hosts answered nothing on any port (shown in --format json and xml).");
        }
        foreach (string notice in report.Notices)
        {
            output.WriteLine($"Note: {notice}");
        }
        output.WriteLine(ScanSummary.Line(report));
    }

    private static IEnumerable<string> NotShown(HostReport host, PortState state) =>
        host.Reasons(state).GroupBy(r => r.Protocol).Select(g =>
            string.Create(CultureInfo.InvariantCulture, $"{g.Sum(r => r.Count):N0} {state.Name()} {ReportContext.ProtocolName(g.Key)} ports ({string.Join(", ", g.Select(r => g.Count() > 1 ? $"{r.Count:N0} {r.Reason}" : r.Reason))})"));

    private static void WriteTable(List<PortResult> rows, ReportContext context, TextWriter output)
    {
        var cells = rows.Select(p => new[]
        {
            $"{p.Port}/{ReportContext.ProtocolName(p.Protocol)}",
            p.State.Name(),
            context.ServiceName(p) ?? "unknown",
            p.Banner ?? "",
        }).ToList();
        string[] header = ["PORT", "STATE", "SERVICE", "BANNER"];
        int columns = context.Banners ? 4 : 3;
        int[] widths = Enumerable.Range(0, columns).Select(c => cells.Select(r => r[c].Length).Append(header[c].Length).Max()).ToArray();
        output.WriteLine(Row(header));
        foreach (string[] cell in cells)
        {
            output.WriteLine(Row(cell));
        }

        string Row(string[] values) => string.Join(" ", Enumerable.Range(0, columns).Select(c => c == columns - 1 ? values[c] : values[c].PadRight(widths[c]))).TrimEnd();
    }

}
