using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Inetkit.Conformance;
using Inetkit.Conformance.Reports;
using Inetkit.Protocol;
using Inetkit.Scanning;

namespace Inetkit.Cli;

/// <summary>
/// One <c>inetkit check</c>, in the order scan keeps: parse everything, check the scope by name, resolve, check
/// again by address, record it in the audit log, and only then open the first socket.
/// </summary>
internal static class CheckRun
{
    /// <summary>A target as typed, the host in it, and the services to check there, each at its port.</summary>
    private sealed record PlannedTarget(string Text, string Host, IReadOnlyList<(ServiceKind Service, int Port)> Services);

    public static async Task<int> RunAsync(CheckRequest request, CliConsole console, ScanEnvironment environment, CancellationToken cancellationToken)
    {
        try
        {
            List<ConformanceCase> cases = SelectCases(request);
            if (request.List)
            {
                WriteList(cases, request.Format, console.Out);
                return ExitCodes.Success;
            }
            List<PlannedTarget> targets = Plan(request, console);
            List<IPAddress> addresses = [.. await TrafficGate.AuthorizeAsync(
                [.. targets.Select(t => t.Host)], request.Scope, environment, "checking", "check", request.AuditLog,
                targets.Select(t => t.Text).Concat(request.InputLists.Select(f => "-iL " + f)).Distinct(), AuditPorts(request, targets),
                m => new CheckInputException(m), cancellationToken)];
            using StreamWriter? file = OpenOutput(request);
            environment.OnScanStarting?.Invoke();
            var runs = new List<CheckProgressView.Run>();
            for (int i = 0; i < targets.Count; i++)
            {
                CheckOptions options = Options(request, console, ScanScope.IsLoopback(addresses[i]));
                foreach ((ServiceKind service, int port) in targets[i].Services)
                {
                    foreach (Transport transport in Transports(request))
                    {
                        List<ConformanceCase> selected = [.. cases.Where(c => c.Service == service && c.Transport == transport)];
                        if (selected.Count > 0)
                        {
                            string text = targets[i].Text;
                            var endPoint = new IPEndPoint(addresses[i], port);
                            runs.Add(new($"{text} {WellKnownPorts.Name(service)}/{(transport == Transport.Udp ? "udp" : "tcp")}", selected.Count,
                                async () => new CheckedService(text, await ConformanceRunner.RunAsync(endPoint, service, transport, selected, options, cancellationToken))));
                        }
                    }
                }
            }
            var report = new CheckReport(await CheckProgressView.RunAsync(runs, console));
            Write(report, request, console, file);
            return ExitCode(report, request, console);
        }
        catch (UnauthorizedScanException e)
        {
            await console.Error.WriteLineAsync($"inetkit: check refused: {e.Message}");
            return ExitCodes.Refused;
        }
        catch (ScopeException e)
        {
            await console.Error.WriteLineAsync($"inetkit: check refused: {e.Message}. {ScanAuthorization.Warning}");
            return ExitCodes.Refused;
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, console.Error);
        }
    }

    private static List<ConformanceCase> SelectCases(CheckRequest request)
    {
        List<string> patterns = [.. request.Cases.SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        if (patterns.Count == 0)
        {
            return [.. ConformanceSuite.All];
        }
        var chosen = new HashSet<ConformanceCase>();
        foreach (string pattern in patterns)
        {
            List<ConformanceCase> matched = [.. ConformanceSuite.Matching(pattern)];
            if (matched.Count == 0)
            {
                throw new CheckInputException($"--cases '{pattern}' matches no case; 'inetkit check --list' shows their ids");
            }
            chosen.UnionWith(matched);
        }
        // In the suite's own order, whatever the order of the patterns.
        return [.. ConformanceSuite.All.Where(chosen.Contains)];
    }

    private static void WriteList(List<ConformanceCase> cases, string format, TextWriter output)
    {
        if (format == "json")
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartArray();
                foreach (ConformanceCase c in cases)
                {
                    json.WriteStartObject();
                    json.WriteString("id", c.Id);
                    json.WriteString("level", CheckJsonWriter.Name(c.Level));
                    json.WriteString("rfc", c.Rfc);
                    json.WriteString("quote", c.Quote);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return;
        }
        int width = cases.Select(c => c.Id.Length).DefaultIfEmpty(0).Max();
        foreach (ConformanceCase c in cases)
        {
            output.WriteLine($"{c.Id.PadRight(width)}  {CheckJsonWriter.Name(c.Level),-6}  {c.Rfc}");
        }
        output.WriteLine($"{cases.Count} cases");
    }

    private static List<PlannedTarget> Plan(CheckRequest request, CliConsole console)
    {
        List<string> items = [.. request.Targets];
        foreach (string file in request.InputLists)
        {
            items.AddRange(TargetLists.Read(file, "-iL", "check", console, m => new CheckInputException(m)));
        }
        items.RemoveAll(string.IsNullOrWhiteSpace);
        if (items.Count == 0)
        {
            throw new CheckInputException("no targets given: name at least one (127.0.0.1, localhost:10007, [::1]...), or a file of them with -iL FILE");
        }
        ServiceKind? service = request.Service is { } name && WellKnownPorts.TryParse(name, out ServiceKind parsed) ? parsed : null;
        return [.. items.Select(item => PlanOne(item, service, request.PortOffset))];
    }

    private static PlannedTarget PlanOne(string item, ServiceKind? service, int offset)
    {
        string host;
        int? port;
        try
        {
            (host, port) = Clients.ServiceAddress.Split(item);
        }
        catch (FormatException e)
        {
            throw new CheckInputException(e.Message);
        }
        if (!IPAddress.TryParse(host, out _) && Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            throw new CheckInputException($"'{item}': '{host}' is neither an address nor a host name (check takes one server per target, not ranges)");
        }
        if (service is { } chosen)
        {
            return new PlannedTarget(item, host, [(chosen, port ?? WellKnownPorts.PortFor(chosen, offset))]);
        }
        if (port is null)
        {
            // How one checks a whole inetd: every service at its port of the map.
            return new PlannedTarget(item, host, [.. WellKnownPorts.All.Select(s => (s, WellKnownPorts.PortFor(s, offset)))]);
        }
        ServiceKind[] onPort = [.. WellKnownPorts.All.Where(s => WellKnownPorts.WellKnown(s) + offset == port || WellKnownPorts.WellKnown(s) == port)];
        if (onPort.Length == 0)
        {
            throw new CheckInputException($"'{item}': no service of the port map is on port {port} (offset {offset}); say which it is with --service (echo, discard, chargen, qotd, daytime, time)");
        }
        return new PlannedTarget(item, host, [(onPort[0], port.Value)]);
    }

    private static string AuditPorts(CheckRequest request, List<PlannedTarget> targets)
    {
        IEnumerable<string> transports = Transports(request).Select(t => t == Transport.Udp ? "U:" : "T:");
        return string.Join(",", transports.Select(t => t + string.Join(",", targets.SelectMany(x => x.Services).Select(s => s.Port).Distinct().Order())));
    }

    private static IEnumerable<Transport> Transports(CheckRequest request) =>
        request.Tcp ? [Transport.Tcp] : request.Udp ? [Transport.Udp] : [Transport.Tcp, Transport.Udp];

    private static CheckOptions Options(CheckRequest request, CliConsole console, bool loopback)
    {
        var traceLock = new Lock();
        return new CheckOptions
        {
            Timeout = TimeSpan.FromMilliseconds(request.Timeout),
            Retries = request.Retries,
            Rate = request.Rate ?? (loopback ? null : ScanOptions.For(loopbackOnly: false).Rate),
            Trace = request.Trace ? line => { lock (traceLock) { console.Error.WriteLine(line); } } : null,
        };
    }

    private static StreamWriter? OpenOutput(CheckRequest request)
    {
        if (request.Output is not { } path)
        {
            return null;
        }
        try
        {
            return new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckInputException($"-o {path}: cannot write there ({e.Message})");
        }
    }

    private static void Write(CheckReport report, CheckRequest request, CliConsole console, StreamWriter? file)
    {
        TextWriter target = file ?? console.Out;
        switch (request.Format)
        {
            case "json":
                CheckJsonWriter.Write(report, target);
                break;
            case "junit":
                CheckJUnitWriter.Write(report, target);
                break;
            default:
                CheckTextWriter.Write(report, target, colour: file is null && console.Colour);
                break;
        }
        if (file is not null)
        {
            CheckTextWriter.WriteSummary(report, console.Out);
        }
    }

    private static int ExitCode(CheckReport report, CheckRequest request, CliConsole console)
    {
        if (!report.AnythingServed)
        {
            console.Error.WriteLine("inetkit: check: nothing is served at any target, on any transport: is the server running, and on these ports (--port-offset)?");
            return ExitCodes.Unreachable;
        }
        CheckSummary summary = report.Summary;
        return summary.Failed > 0 || (request.Strict && summary.Warnings > 0) ? ExitCodes.Failure : ExitCodes.Success;
    }
}
