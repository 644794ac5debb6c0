using System.Globalization;

namespace Inetkit.Scanning.Reports;

/// <summary>The closing line of every human report: hosts, ports, time, rate, what was found.</summary>
internal static class ScanSummary
{
    public static string Line(ScanReport report)
    {
        int up = report.Hosts.Count(h => h.IsUp);
        int open = report.Hosts.Sum(h => h.Count(PortState.Open));
        double seconds = report.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? report.PortsScanned / seconds : 0;
        string hosts = report.Hosts.Count == 1 ? "1 host" : $"{report.Hosts.Count:N0} hosts";
        // The connect scan is the default and goes unnamed; a SYN scan says so, as its reader may compare it with nmap -sS.
        string type = report.Plan.TcpScan == TcpScanType.Syn && report.Plan.TcpPorts.Count > 0 ? " by SYN scan" : "";
        string stopped = report.Complete ? "" : " (stopped early: incomplete)";
        return string.Create(CultureInfo.InvariantCulture,
            $"Inetkit done: {hosts} ({up:N0} up), {report.PortsScanned:N0} port{(report.PortsScanned == 1 ? "" : "s")} scanned{type} in {seconds:0.00} s ({rate:N0} ports/s); {open:N0} open{stopped}");
    }
}
