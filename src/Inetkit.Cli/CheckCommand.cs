using System.CommandLine;
using Inetkit.Protocol;

namespace Inetkit.Cli;

/// <summary><c>inetkit check TARGET...</c>: a server someone else wrote, against RFC 862-868, case by case.</summary>
internal static class CheckCommand
{
    public static readonly string[] Formats = ["text", "json", "junit"];

    public static Command Create(CliConsole console, ScanEnvironment environment)
    {
        var targets = new Argument<string[]>("TARGET")
        {
            Description = "HOST[:PORT]: 127.0.0.1, [::1]:10007, a host name. Without a port, every service of the port map; with one, the service on it",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var service = new Option<string?>("--service", "-s") { Description = "The protocol to check: echo, discard, chargen, qotd, daytime or time", HelpName = "SERVICE" };
        service.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } name && !WellKnownPorts.TryParse(name, out _))
            {
                r.AddError($"--service '{name}' is not one of echo, discard, chargen, qotd, daytime, time");
            }
        });
        var tcp = new Option<bool>("--tcp") { Description = "TCP only (default: both transports)" };
        var udp = new Option<bool>("--udp") { Description = "UDP only" };
        var offset = new Option<int>("--port-offset")
        {
            Description = "Added to the well-known ports, as serve and the clients do (0: the real ports 7, 9, 13, 17, 19, 37)",
            DefaultValueFactory = _ => WellKnownPorts.DefaultOffset,
            HelpName = "N",
        };
        offset.Validators.Add(r => Ranges.Require<int>(r, 0, WellKnownPorts.MaxOffset, "--port-offset"));
        var inputList = new Option<string[]>("--input-list", "-iL") { Description = "Read targets from FILE (one or more per line, # comments; - for stdin)", HelpName = "FILE" };
        var timeout = new Option<int>("--timeout") { Description = "Milliseconds each connect and each wait for a reply may take", DefaultValueFactory = _ => 2000, HelpName = "MS" };
        timeout.Validators.Add(r => Ranges.Require<int>(r, 1, 600_000, "--timeout"));
        var retries = new Option<int>("--retries") { Description = "UDP datagrams sent again after silence before a case fails for it", DefaultValueFactory = _ => 2, HelpName = "N" };
        retries.Validators.Add(r => Ranges.Require<int>(r, 0, 20, "--retries"));
        var cases = new Option<string[]>("--cases") { Description = "Run only the cases whose id matches PATTERN (* is any run: echo/udp/*, */tcp/*); repeatable, or comma-separated", HelpName = "PATTERN" };
        var list = new Option<bool>("--list") { Description = "Print every case (id, level, RFC) and send nothing" };
        var rate = new Option<double?>("--rate") { Description = "Most connections and datagrams started per second (default: no cap on loopback, 300 beyond, as scan)", HelpName = "N" };
        rate.Validators.Add(r => Ranges.Require<double>(r, 0.01, 1_000_000, "--rate"));
        var strict = new Option<bool>("--strict") { Description = "Warnings fail the check too (exit 1)" };
        var format = new Option<string>("--format") { Description = "text, json or junit (JUnit XML for GitLab, Jenkins, GitHub)", DefaultValueFactory = _ => "text", HelpName = "FORMAT" };
        Ranges.OneOf(format, Formats);
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the report to FILE, and only the summary to stdout", HelpName = "FILE" };
        var scope = new Option<FileInfo?>("--scope") { Description = "The signed-off scope, as for scan; needed for any target outside loopback", HelpName = "FILE" };
        var auditLog = new Option<string?>("--audit-log") { Description = $"Where checks beyond loopback are recorded (default {environment.AuditLogPath})", HelpName = "FILE" };
        var trace = new Option<bool>("--trace") { Description = "Narrate every socket call on stderr" };

        var command = new Command("check", "Check servers against RFC 862-868 (echo, discard, chargen, qotd, daytime, time), case by case: loopback free, anything else only within a signed-off --scope.")
        {
            targets, service, tcp, udp, offset, inputList, timeout, retries, cases, list, rate, strict, format, output, scope, auditLog, trace,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(tcp) && r.GetValue(udp))
            {
                r.AddError("choose one of --tcp or --udp (neither: both)");
            }
        });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var request = new CheckRequest
            {
                Targets = parsed.GetValue(targets) ?? [],
                InputLists = parsed.GetValue(inputList) ?? [],
                Service = parsed.GetValue(service),
                Tcp = parsed.GetValue(tcp),
                Udp = parsed.GetValue(udp),
                PortOffset = parsed.GetValue(offset),
                Timeout = parsed.GetValue(timeout),
                Retries = parsed.GetValue(retries),
                Cases = parsed.GetValue(cases) ?? [],
                List = parsed.GetValue(list),
                Rate = parsed.GetValue(rate),
                Strict = parsed.GetValue(strict),
                Format = parsed.GetValue(format)!,
                Output = parsed.GetValue(output)?.FullName,
                Scope = parsed.GetValue(scope)?.FullName,
                AuditLog = parsed.GetValue(auditLog) ?? environment.AuditLogPath,
                Trace = parsed.GetValue(trace),
            };
            return await CheckRun.RunAsync(request, console, environment, cancellationToken);
        });
        return command;
    }
}

/// <summary>The check command's options as given.</summary>
internal sealed record CheckRequest
{
    public IReadOnlyList<string> Targets { get; init; } = [];
    public IReadOnlyList<string> InputLists { get; init; } = [];
    public string? Service { get; init; }
    public bool Tcp { get; init; }
    public bool Udp { get; init; }
    public int PortOffset { get; init; } = WellKnownPorts.DefaultOffset;
    public int Timeout { get; init; } = 2000;
    public int Retries { get; init; } = 2;
    public IReadOnlyList<string> Cases { get; init; } = [];
    public bool List { get; init; }
    public double? Rate { get; init; }
    public bool Strict { get; init; }
    public string Format { get; init; } = "text";
    public string? Output { get; init; }
    public string? Scope { get; init; }
    public required string AuditLog { get; init; }
    public bool Trace { get; init; }
}
