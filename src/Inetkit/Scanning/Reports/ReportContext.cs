using Inetkit.Protocol;

namespace Inetkit.Scanning.Reports;

/// <summary>What every report writer needs besides the results: names for ports, the command line, and what to list.</summary>
public sealed record ReportContext(ServiceNames Services, string CommandLine)
{
    /// <summary>List closed and filtered ports one by one too (<c>--show-closed</c>).</summary>
    public bool ShowClosed { get; init; }

    /// <summary>Add a banner column/field.</summary>
    public bool Banners { get; init; }

    /// <summary>Inetkit's version, for the report's header.</summary>
    public string Version { get; init; } = typeof(ReportContext).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// nmap's rule for its table and XML: open ports always; any other state port by port while it holds at most
    /// <see cref="HostReport.ListLimit"/> ports, otherwise summarised ("Not shown").
    /// </summary>
    internal bool ListsNmapStyle(HostReport host, PortState state) =>
        ShowClosed || state == PortState.Open || (host.AllKept(state) && host.Count(state) <= HostReport.ListLimit);

    /// <summary>The JSON and CSV rule, as the issue gives it: open and open|filtered listed; closed and filtered summarised.</summary>
    internal bool ListsOpenOnly(PortState state) => ShowClosed || state is PortState.Open or PortState.OpenFiltered;

    internal string? ServiceName(PortResult port) => Services.Lookup(port.Protocol, port.Port);

    internal static string ProtocolName(Transport protocol) => protocol == Transport.Udp ? "udp" : "tcp";

    internal static readonly PortState[] States = [PortState.Open, PortState.OpenFiltered, PortState.Filtered, PortState.Closed];
}
