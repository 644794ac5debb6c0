using System.Net;
using Inetkit.Scanning;
using Inetkit.Scanning.Reports;

namespace Inetkit.Tests.Support;

/// <summary>Real scans of loopback for the report writers: a report the scanner made, rendered by a writer to a string.</summary>
internal static class LoopbackScan
{
    /// <summary>Short timeouts: on loopback every answer is immediate, only silent UDP ports wait them out.</summary>
    public static ScanOptions Options { get; } = new() { Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 };

    public static async Task<ScanReport> RunAsync(IReadOnlyList<int> tcp, IReadOnlyList<int> udp, CancellationToken cancellationToken, bool keepAll = false, ScanHost? host = null, bool banner = false)
    {
        var plan = new ScanPlan([host ?? new ScanHost(IPAddress.Loopback)], [.. tcp.Order()], [.. udp.Order()]);
        return await new PortScanner(Options with { Banner = banner }).RunAsync(plan, keepAll, cancellationToken);
    }

    public static string Render(Action<ScanReport, ReportContext, TextWriter> writer, ScanReport report, ReportContext context)
    {
        var output = new StringWriter { NewLine = "\n" };
        writer(report, context, output);
        return output.ToString();
    }

    /// <summary>Names for the given ports in the services(5) format, so that a report's SERVICE column is known in advance.</summary>
    public static ServiceNames Names(params (string Name, int Port, string Protocol)[] entries) =>
        ServiceNames.FromText(string.Join('\n', entries.Select(e => $"{e.Name}\t{e.Port}/{e.Protocol}")));
}
