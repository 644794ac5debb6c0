namespace Inetkit.Scanning.Reports;

/// <summary>
/// The CSV report (RFC 4180): a header, then one row per listed port: host, name, protocol, port, state, service,
/// reason, banner, type (how the port was scanned: connect, syn or udp, as the XML's scaninfo says). The same ports as the JSON report: open and open|filtered, all with <c>--show-closed</c>.
/// </summary>
public static class CsvReportWriter
{
    /// <summary>Writes <paramref name="report"/>.</summary>
    public static void Write(ScanReport report, ReportContext context, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(output);
        output.Write("host,name,protocol,port,state,service,reason,banner,type\r\n");
        foreach (HostReport host in report.Hosts)
        {
            foreach (PortResult port in host.Ports.Where(p => context.ListsOpenOnly(p.State)))
            {
                string[] fields =
                [
                    host.Host.Address.ToString(), host.Host.Name ?? "", ReportContext.ProtocolName(port.Protocol),
                    port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), port.State.Name(),
                    context.ServiceName(port) ?? "", port.Reason, port.Banner ?? "",
                    port.Protocol == Protocol.Transport.Udp ? "udp" : report.Plan.TcpScan.Name(),
                ];
                output.Write(string.Join(',', fields.Select(Quote)) + "\r\n");
            }
        }
    }

    // RFC 4180 quoting; a leading = + - @ is prefixed with ' so that a banner cannot become a spreadsheet formula.
    private static string Quote(string field)
    {
        if (field.Length > 0 && field[0] is '=' or '+' or '-' or '@')
        {
            field = "'" + field;
        }
        return field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }
}
