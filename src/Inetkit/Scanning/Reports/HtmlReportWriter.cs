using System.Globalization;
using System.Net;
using System.Text;
using Inetkit.Protocol;

namespace Inetkit.Scanning.Reports;

/// <summary>
/// One self-contained HTML page, as nmap's XSL report is: the scan's parameters and authorization, where a merged
/// report came from, a summary per host, and each host's ports (by nmap's rule: large closed and filtered states
/// counted with their reasons) in a table that sorts by port, state or service. It requests nothing: the style and
/// the script are inline and the Content-Security-Policy allows only those two. Every text from the scan is
/// HTML-encoded: banners and host names are whatever the other side chose to send. The markup is also well-formed
/// XML, so a test can read it without an HTML parser.
/// </summary>
public static class HtmlReportWriter
{
    /// <summary>Writes <paramref name="report"/>.</summary>
    public static void Write(ScanReport report, ReportContext context, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(output);
        string subject = report.Hosts.Count == 1 ? HostTitle(report.Hosts[0]) : $"{Number(report.Hosts.Count)} hosts";
        output.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
        output.Write($"<meta http-equiv=\"Content-Security-Policy\" content=\"{HtmlReportAssets.ContentSecurityPolicy}\" />\n");
        output.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
        output.Write($"<meta name=\"generator\" content=\"Inetkit {E(context.Version)}\" />\n");
        output.Write($"<title>Inetkit scan report: {E(subject)}</title>\n");
        output.Write($"<style>{HtmlReportAssets.Css}</style>\n</head>\n<body>\n");
        output.Write($"<h1>Inetkit scan report: {E(subject)}</h1>\n");
        WriteScan(report, context, output);
        WriteAuthorization(report.Authorization, output);
        if (report.Sources.Count > 0 || report.MissingShards.Count > 0)
        {
            WriteSources(report, output);
        }
        WriteHostSummary(report, output);
        for (int i = 0; i < report.Hosts.Count; i++)
        {
            HostReport host = report.Hosts[i];
            // As the text report: a host that answered nothing gets a summary row, no section of its own.
            if (HasSection(report, host))
            {
                WriteHost(host, i + 1, context, output);
            }
        }
        output.Write($"<footer><p id=\"summary\">{E(ScanSummary.Line(report))}</p></footer>\n");
        output.Write($"<script>{HtmlReportAssets.Script}</script>\n</body>\n</html>\n");
    }

    private static void WriteScan(ScanReport report, ReportContext context, TextWriter output)
    {
        ScanPlan plan = report.Plan;
        output.Write("<section id=\"scan\">\n<h2>Scan</h2>\n<dl class=\"facts\">\n");
        Fact(output, "command", "Command line", $"<code>{E(context.CommandLine)}</code>");
        var types = new List<string>();
        if (plan.TcpPorts.Count > 0)
        {
            types.Add(plan.TcpScan == TcpScanType.Syn ? "SYN" : "TCP connect");
        }
        if (plan.UdpPorts.Count > 0)
        {
            types.Add("UDP");
        }
        Fact(output, "type", "Scan type", E(types.Count > 0 ? string.Join(" and ", types) : "none (no ports)"));
        var ports = new List<string>();
        if (plan.TcpPorts.Count > 0)
        {
            ports.Add($"TCP {PortRangeText.Format(plan.TcpPorts)} ({Plural(plan.TcpPorts.Count, "port")})");
        }
        if (plan.UdpPorts.Count > 0)
        {
            ports.Add($"UDP {PortRangeText.Format(plan.UdpPorts)} ({Plural(plan.UdpPorts.Count, "port")})");
        }
        Fact(output, "ports", "Ports", $"<code>{E(string.Join("; ", ports))}</code>");
        Fact(output, "hosts", "Hosts", E(Plural(report.Hosts.Count, "host")));
        if (plan.Shard.Count > 1)
        {
            Fact(output, "shard", "Shard", E($"{Shard(plan.Shard)}: this scan's share of the ports, by --shard"));
        }
        Fact(output, "started", "Started", Time(report.Started));
        Fact(output, "finished", "Finished", Time(report.Finished));
        Fact(output, "elapsed", "Elapsed", E(report.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s"));
        Fact(output, "probes", "Probes", E($"{Number(report.Probes)} sent, retries included; {Plural(report.PortsScanned, "port")} with a result"));
        var missing = new List<string>();
        if (!report.Complete)
        {
            missing.Add("the scan was stopped before every port had a result");
        }
        if (report.MissingShards.Count > 0)
        {
            missing.Add($"shard{(report.MissingShards.Count == 1 ? "" : "s")} {string.Join(", ", report.MissingShards.Select(Shard))} missing from the merge");
        }
        output.Write(missing.Count == 0
            ? "<dt>Result</dt><dd id=\"result\" class=\"complete\" data-complete=\"true\">complete: every port has a result</dd>\n"
            : $"<dt>Result</dt><dd id=\"result\" class=\"incomplete\" data-complete=\"false\">incomplete: {E(string.Join("; ", missing))}</dd>\n");
        Fact(output, "version", "Scanner", E($"Inetkit {context.Version}"));
        output.Write("</dl>\n");
        if (report.Notices.Count > 0)
        {
            output.Write("<ul id=\"notices\">\n");
            foreach (string notice in report.Notices)
            {
                output.Write($"<li class=\"notice\">{E(notice)}</li>\n");
            }
            output.Write("</ul>\n");
        }
        output.Write("</section>\n");
    }

    private static void WriteAuthorization(ReportAuthorization? authorization, TextWriter output)
    {
        output.Write("<section id=\"authorization\">\n<h2>Authorization</h2>\n");
        if (authorization is null)
        {
            output.Write("<p data-scope=\"none\">Loopback only: no scope needed.</p>\n");
        }
        else
        {
            string expires = authorization.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            output.Write("<dl class=\"facts\" data-scope=\"signed\">\n");
            Fact(output, "authorized-by", "Authorized by", E(authorization.AuthorizedBy));
            Fact(output, "reference", "Reference", E(authorization.Reference));
            Fact(output, "expires", "Expires", $"<time datetime=\"{expires}\">{expires}</time>");
            output.Write("</dl>\n");
        }
        output.Write("</section>\n");
    }

    private static void WriteSources(ScanReport report, TextWriter output)
    {
        output.Write("<section id=\"sources\">\n<h2>Merged from</h2>\n");
        output.Write("<table class=\"sources\">\n<thead><tr><th>Shard</th><th>File</th><th>Scan</th></tr></thead>\n<tbody>\n");
        foreach (ReportSource source in report.Sources)
        {
            output.Write($"<tr data-shard=\"{Shard(source.Shard)}\" data-complete=\"{(source.Complete ? "true" : "false")}\">");
            output.Write($"<td>{Shard(source.Shard)}</td><td><code>{E(source.File)}</code></td>");
            output.Write(source.Complete ? "<td class=\"complete\">complete</td>" : "<td class=\"incomplete\">stopped early: incomplete</td>");
            output.Write("</tr>\n");
        }
        output.Write("</tbody>\n</table>\n");
        if (report.MissingShards.Count > 0)
        {
            string names = string.Join(", ", report.MissingShards.Select(Shard));
            output.Write($"<p id=\"missing-shards\" class=\"incomplete\">Missing: shard{(report.MissingShards.Count == 1 ? "" : "s")} {names}. ");
            output.Write("This report is incomplete: the ports those shards hold have no result here.</p>\n");
        }
        output.Write("</section>\n");
    }

    private static void WriteHostSummary(ScanReport report, TextWriter output)
    {
        output.Write("<section id=\"hosts\">\n<h2>Hosts</h2>\n<table class=\"hosts\">\n<thead><tr><th>Address</th><th>Name</th><th>Status</th>");
        foreach (PortState state in ReportContext.States)
        {
            output.Write($"<th class=\"{StateClass(state)}\">{state.Name()}</th>");
        }
        output.Write("<th>Scanned</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < report.Hosts.Count; i++)
        {
            HostReport host = report.Hosts[i];
            string address = E(host.Host.Address.ToString());
            output.Write($"<tr data-address=\"{address}\" data-status=\"{(host.IsUp ? "up" : "down")}\">");
            output.Write(HasSection(report, host) ? $"<td><a href=\"#host-{i + 1}\">{address}</a></td>" : $"<td>{address}</td>");
            output.Write($"<td>{E(host.Host.Name ?? "")}</td>");
            output.Write(host.IsUp ? "<td>up</td>" : "<td class=\"down\">down</td>");
            foreach (PortState state in ReportContext.States)
            {
                output.Write($"<td class=\"count\" data-state=\"{state.Name()}\">{Number(host.Count(state))}</td>");
            }
            output.Write($"<td class=\"count\">{Number(host.Total)}</td></tr>\n");
        }
        output.Write("</tbody>\n</table>\n</section>\n");
    }

    private static void WriteHost(HostReport host, int index, ReportContext context, TextWriter output)
    {
        output.Write($"<section class=\"host\" id=\"host-{index}\" data-address=\"{E(host.Host.Address.ToString())}\">\n<h2>{E(HostTitle(host))}</h2>\n");
        string reason = host.Host.IsLoopback ? "localhost-response" : host.UpReason ?? "";
        output.Write(host.IsUp ? $"<p>Host is up ({E(reason)}).</p>\n" : "<p class=\"down\">Host seems down: nothing answered.</p>\n");
        var hidden = ReportContext.States.Where(s => !context.ListsNmapStyle(host, s) && host.Count(s) > 0).ToList();
        if (hidden.Count > 0)
        {
            output.Write($"<p class=\"not-shown\">Not shown: {E(string.Join(", ", hidden.SelectMany(s => NotShown(host, s))))}</p>\n");
        }
        // Port order, then TCP before UDP: the order the script's Port header sorts in, so the page reads the same without it.
        var rows = host.Ports.Where(p => context.ListsNmapStyle(host, p.State)).OrderBy(p => p.Port).ThenBy(p => p.Protocol == Transport.Tcp ? 0 : 1).ToList();
        if (rows.Count == 0)
        {
            if (host.Total > 0)
            {
                output.Write($"<p>All {Plural(host.Total, "scanned port")} are in the states above: none to list.</p>\n");
            }
            output.Write("</section>\n");
            return;
        }
        output.Write("<table class=\"ports\">\n<thead><tr><th data-sort=\"port\" aria-sort=\"ascending\">Port</th><th data-sort=\"state\">State</th><th data-sort=\"service\">Service</th><th>Reason</th>");
        output.Write(context.Banners ? "<th>Banner</th></tr></thead>\n<tbody>\n" : "</tr></thead>\n<tbody>\n");
        foreach (PortResult port in rows)
        {
            string protocol = ReportContext.ProtocolName(port.Protocol);
            string service = E(context.ServiceName(port) ?? "");
            output.Write($"<tr data-port=\"{Plain(port.Port)}\" data-protocol=\"{protocol}\" data-state=\"{port.State.Name()}\" data-service=\"{service}\">");
            output.Write($"<td class=\"port\">{Plain(port.Port)}/{protocol}</td><td class=\"{StateClass(port.State)}\">{port.State.Name()}</td>");
            output.Write($"<td>{(service.Length > 0 ? service : "unknown")}</td><td>{E(port.Reason)}</td>");
            if (context.Banners)
            {
                output.Write(port.Banner is { } banner ? $"<td class=\"banner\"><code>{E(banner)}</code></td>" : "<td class=\"banner\"></td>");
            }
            output.Write("</tr>\n");
        }
        output.Write("</tbody>\n</table>\n</section>\n");
    }

    private static IEnumerable<string> NotShown(HostReport host, PortState state) =>
        host.Reasons(state).GroupBy(r => r.Protocol).Select(g =>
            $"{Number(g.Sum(r => r.Count))} {state.Name()} {ReportContext.ProtocolName(g.Key)} ports ({string.Join(", ", g.Select(r => g.Count() > 1 ? $"{Number(r.Count)} {r.Reason}" : r.Reason))})");

    private static bool HasSection(ScanReport report, HostReport host) => host.IsUp || report.Hosts.Count == 1;

    private static string HostTitle(HostReport host) => host.Host.Name is { } name ? $"{name} ({host.Host.Address})" : host.Host.Address.ToString();

    private static void Fact(TextWriter output, string id, string term, string html) => output.Write($"<dt>{term}</dt><dd id=\"{id}\">{html}</dd>\n");

    private static string Time(DateTimeOffset time)
    {
        DateTime utc = time.UtcDateTime;
        return $"<time datetime=\"{utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}\">{utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC</time>";
    }

    private static string StateClass(PortState state) => state == PortState.OpenFiltered ? "state-open-filtered" : "state-" + state.Name();

    // As --shard takes it: no digit grouping.
    private static string Shard(ScanShard shard) => $"{Plain(shard.Index)}/{Plain(shard.Count)}";

    private static string Plain(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Plural(long count, string noun) => $"{Number(count)} {noun}{(count == 1 ? "" : "s")}";

    /// <summary>
    /// Text as HTML, for an element or a quoted attribute: &lt; &gt; &amp; and both quotes encoded, and control
    /// characters (which HTML and XML refuse or hide) written as <c>\xNN</c>, as banners are.
    /// </summary>
    private static string E(string text)
    {
        if (text.Any(char.IsControl))
        {
            var printable = new StringBuilder(text.Length + 8);
            foreach (char c in text)
            {
                _ = char.IsControl(c) ? printable.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}") : printable.Append(c);
            }
            text = printable.ToString();
        }
        return WebUtility.HtmlEncode(text);
    }
}
