using System.Net;
using System.Net.Sockets;
using Inetkit.IO;
using Inetkit.Scanning;
using Inetkit.Scanning.Reports;

namespace Inetkit.Cli;

/// <summary>
/// One <c>inetkit scan</c>, in the order that keeps it safe: parse everything, check the scope (by name first), resolve,
/// check again by address, record the scan in the audit log, and only then create the first socket.
/// </summary>
internal static class ScanRun
{
    public static async Task<int> RunAsync(ScanRequest request, CliConsole console, ScanEnvironment environment, CancellationToken cancellationToken)
    {
        try
        {
            CheckScanType(request);
            ScanShard? shard = ShardAuto.Resolve(request.Shard, request.ShardCount, environment.Variable);
            TargetSpec targets = ParseTargets(request, console);
            PortSpec ports = ParsePorts(request);
            ScanScope? scope = request.Scope is { } scopePath ? ScanScope.Load(scopePath) : null;
            DateTimeOffset now = environment.Time.GetUtcNow();
            ScanAuthorization.CheckBeforeResolving(targets, scope, now);
            List<ScanHost> hosts = await ResolveAsync(targets, scope, now, environment, console, cancellationToken);
            var plan = new ScanPlan(hosts, ports.Tcp, ports.Udp, shard, scope)
            {
                TcpScan = request.Syn ? TcpScanType.Syn : TcpScanType.Connect,
            };
            if (plan.TcpScan == TcpScanType.Syn && plan.TcpPorts.Count > 0)
            {
                // Before the audit line: a scan that cannot send is not recorded as run.
                PortScanner.CheckSynPrivilege();
            }
            if (!plan.IsLoopbackOnly)
            {
                Audit(request, ports, scope!, now, environment, plan.Shard);
            }
            ScanOptions options = Options(request, plan.IsLoopbackOnly, console);
            using StreamWriter? file = ReportOutput.Open(request.Output, m => new ScanInputException(m));
            environment.OnScanStarting?.Invoke();
            var scanner = new PortScanner(options, environment.Time);
            ScanReport report = await ScanProgressView.RunAsync(scanner, plan, request.ShowClosed, console, cancellationToken);
            Write(report, request, console, file);
            if (!report.Complete)
            {
                await console.Error.WriteLineAsync("inetkit: scan stopped before every port had an answer; the report above is incomplete");
                return ExitCodes.Failure;
            }
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, console.Error);
        }
    }

    /// <summary>-sS with what it cannot do: a connect scan (as nmap refuses -sS -sT), banners or a narration of socket calls, which need connections.</summary>
    private static void CheckScanType(ScanRequest request)
    {
        if (!request.Syn)
        {
            return;
        }
        string? clash = request.Tcp ? "-sT (one TCP scan type at a time, as nmap)" : request.Banner ? "--banner (a banner needs a connection: use -sT)" : request.Trace ? "--trace (it narrates the connect scan's socket calls: use -sT)" : null;
        if (clash is not null)
        {
            throw new ScanInputException($"-sS cannot be combined with {clash}");
        }
    }

    private static TargetSpec ParseTargets(ScanRequest request, CliConsole console)
    {
        var items = new List<string>(request.Targets);
        foreach (string file in request.InputLists)
        {
            items.AddRange(TargetLists.Read(file, "-iL", "scan", console, m => new ScanInputException(m)));
        }
        var exclusions = request.Exclusions.SelectMany(e => e.Split(',')).ToList();
        foreach (string file in request.ExclusionFiles)
        {
            exclusions.AddRange(TargetLists.Read(file, "--exclude-file", "scan", console, m => new ScanInputException(m)));
        }
        if (items.All(string.IsNullOrWhiteSpace))
        {
            throw new ScanInputException("no targets given: name at least one (127.0.0.1, localhost, ::1...), or a file of them with -iL FILE");
        }
        try
        {
            return TargetSpec.Parse(items, exclusions);
        }
        catch (FormatException e)
        {
            throw new ScanInputException($"targets: {e.Message}");
        }
    }

    private static PortSpec ParsePorts(ScanRequest request)
    {
        bool udp = request.Udp;
        bool tcp = request.Tcp || request.Syn || !udp;
        try
        {
            if (request.Ports is { } text)
            {
                return PortSpec.Parse(text == "-" ? "1-65535" : text, tcp, udp);
            }
            return PortSpec.Parse((tcp ? "T:" + DefaultPorts.Tcp : "") + (tcp && udp ? "," : "") + (udp ? "U:" + DefaultPorts.Udp : ""));
        }
        catch (FormatException e)
        {
            throw new ScanInputException($"-p: {e.Message}");
        }
    }

    private static async Task<List<ScanHost>> ResolveAsync(TargetSpec targets, ScanScope? scope, DateTimeOffset now, ScanEnvironment environment, CliConsole console, CancellationToken cancellationToken)
    {
        var hosts = targets.Addresses().Select(a => new ScanHost(a)).ToList();
        foreach (string name in targets.HostNames)
        {
            IPAddress[] addresses;
            try
            {
                addresses = await environment.Resolve(name, cancellationToken);
            }
            catch (SocketException e)
            {
                await console.Error.WriteLineAsync($"inetkit: cannot resolve {name} ({e.Message}); it is left out");
                continue;
            }
            ScanAuthorization.CheckResolved(name, addresses, scope, now);
            // As nmap does: the first address, IPv4 first, is the one scanned.
            IPAddress? chosen = addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault(a => !targets.IsExcluded(a));
            if (chosen is not null && !hosts.Any(h => h.Address.Equals(chosen)))
            {
                hosts.Add(new ScanHost(chosen, name));
            }
        }
        if (hosts.Count == 0)
        {
            throw new ScanInputException("no targets left to scan (every one was excluded or could not be resolved)");
        }
        return hosts;
    }

    private static void Audit(ScanRequest request, PortSpec ports, ScanScope scope, DateTimeOffset now, ScanEnvironment environment, ScanShard shard)
    {
        string portText = string.Join(",", new[] { ports.Tcp.Count > 0 ? "T:" + PortRangeText.Format(ports.Tcp) : null, ports.Udp.Count > 0 ? "U:" + PortRangeText.Format(ports.Udp) : null }.Where(p => p is not null));
        try
        {
            ScanAuditLog.Append(request.AuditLog, now, request.Targets.Concat(request.InputLists.Select(f => "-iL " + f)), portText, scope, shard: shard);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnauthorizedScanException($"the audit log {request.AuditLog} cannot be written ({e.Message}), and a scan beyond loopback must not run unrecorded; fix it or choose another with --audit-log");
        }
    }

    private static ScanOptions Options(ScanRequest request, bool loopbackOnly, CliConsole console)
    {
        ScanOptions defaults = ScanOptions.For(loopbackOnly);
        var traceLock = new Lock();
        return defaults with
        {
            Timeout = request.Timeout is { } ms ? TimeSpan.FromMilliseconds(ms) : defaults.Timeout,
            Retries = request.Retries ?? defaults.Retries,
            // A narrated scan goes one probe at a time unless asked otherwise, so that each story reads in one piece.
            Concurrency = request.Concurrency ?? (request.Trace ? 1 : defaults.Concurrency),
            Trace = request.Trace ? line => { lock (traceLock) { console.Error.WriteLine(line); } } : null,
            Rate = request.Rate ?? defaults.Rate,
            PaceUdpToIcmpLimit = request.Rate is null,
            Banner = request.Banner,
            BannerWait = TimeSpan.FromMilliseconds(request.BannerWait),
        };
    }

    private static void Write(ScanReport report, ScanRequest request, CliConsole console, StreamWriter? file)
    {
        var context = new ReportContext(ServiceNames.FromSystem(), request.CommandLine) { ShowClosed = request.ShowClosed, Banners = request.Banner };
        ReportOutput.Write(report, context, request.Format, console, file);
    }
}
