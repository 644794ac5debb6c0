using System.CommandLine;
using Inetkit.Scanning;

namespace Inetkit.Cli;

/// <summary><c>inetkit scan TARGET...</c>: TCP connect and UDP scans, loopback free, anything else only inside a signed-off scope.</summary>
internal static class ScanCommand
{
    public static Command Create(CliConsole console, ScanEnvironment environment)
    {
        var targets = new Argument<string[]>("TARGET")
        {
            Description = "Addresses, CIDR blocks (192.0.2.0/28, 2001:db8::/120), ranges (192.0.2.1-20) or host names",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var inputList = new Option<string[]>("--input-list", "-iL") { Description = "Read targets from FILE (one or more per line, # comments; - for stdin)", HelpName = "FILE" };
        var exclude = new Option<string[]>("--exclude") { Description = "Targets to leave out (comma-separated, repeatable)", HelpName = "LIST" };
        var excludeFile = new Option<string[]>("--exclude-file") { Description = "Read targets to leave out from FILE", HelpName = "FILE" };
        var ports = new Option<string?>("--ports", "-p")
        {
            Description = $"Ports in nmap's syntax: 22 | 1-1024,8080 | - (all 65,535) | U:53,T:80 (default TCP: {DefaultPorts.Tcp}; UDP: {DefaultPorts.Udp})",
            HelpName = "SPEC",
        };
        var tcp = new Option<bool>("--tcp", "-sT") { Description = "TCP connect scan (the default; with --udp, both)" };
        var syn = new Option<bool>("--syn", "-sS") { Description = "SYN scan from raw sockets (Linux; root or CAP_NET_RAW): never completes a handshake; with --udp, both" };
        var udp = new Option<bool>("--udp", "-sU") { Description = "UDP scan: a protocol-aware probe per port" };
        var timeout = new Option<int?>("--timeout") { Description = "Milliseconds one try waits for an answer (default 1000 on loopback, 1500 beyond)", HelpName = "MS" };
        timeout.Validators.Add(r => Ranges.Require<int>(r, 1, 600_000, "--timeout"));
        var retries = new Option<int?>("--retries") { Description = "Further tries for a silent port (default 1)", HelpName = "N" };
        retries.Validators.Add(r => Ranges.Require<int>(r, 0, 20, "--retries"));
        var concurrency = new Option<int?>("--concurrency") { Description = "Probes in flight at once (default 256 on loopback, 100 beyond)", HelpName = "N" };
        concurrency.Validators.Add(r => Ranges.Require<int>(r, 1, 65_536, "--concurrency"));
        var rate = new Option<double?>("--rate") { Description = "Most probes started per second (default: no cap on loopback, 300 beyond)", HelpName = "N" };
        rate.Validators.Add(r => Ranges.Require<double>(r, 0.01, 10_000_000, "--rate"));
        var banner = new Option<bool>("--banner") { Description = "Read what each open service says first (QOTD, daytime, SSH, SMTP...)" };
        var bannerWait = new Option<int>("--banner-wait") { Description = "Milliseconds to wait for a banner", DefaultValueFactory = _ => 2000, HelpName = "MS" };
        bannerWait.Validators.Add(r => Ranges.Require<int>(r, 1, 60_000, "--banner-wait"));
        var shard = new Option<string?>("--shard")
        {
            Description = "Scan only share I of N of the (host, port) space; the N shares are disjoint and cover it all. auto: I and N from a Slurm job array or a Kubernetes Indexed Job",
            HelpName = "I/N|auto",
        };
        shard.Validators.Add(r =>
        {
            try
            {
                if (r.GetValueOrDefault<string?>() is not ShardAuto.Keyword)
                {
                    ScanShard.Parse(r.GetValueOrDefault<string?>() ?? "");
                }
            }
            catch (FormatException e)
            {
                r.AddError(e.Message);
            }
        });
        var shardCount = new Option<int?>("--shard-count") { Description = "With --shard auto in a Kubernetes Indexed Job: N, the job's completions (else $INETKIT_SHARD_COUNT)", HelpName = "N" };
        shardCount.Validators.Add(r => Ranges.Require<int>(r, 1, 1_000_000, "--shard-count"));
        var showClosed = new Option<bool>("--show-closed") { Description = "List closed and filtered ports too, not only their counts" };
        var format = new Option<string>("--format")
        {
            Description = ReportOutput.FormatDescription,
            DefaultValueFactory = _ => "text",
            HelpName = "FORMAT",
        };
        Ranges.OneOf(format, ReportOutput.Formats);
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the report to FILE (the table still goes to stdout); default: stdout alone", HelpName = "FILE" };
        var scope = new Option<FileInfo?>("--scope")
        {
            Description = "The signed-off scope (authorized-by:, reference:, expires:, then addresses, CIDR blocks, names); needed for any target outside loopback",
            HelpName = "FILE",
        };
        var auditLog = new Option<string?>("--audit-log") { Description = $"Where scans beyond loopback are recorded (default {environment.AuditLogPath})", HelpName = "FILE" };
        var trace = new Option<bool>("--trace") { Description = "Narrate every probe's socket calls on stderr (socket, connect, sendto, recvfrom, close); one probe at a time unless --concurrency says otherwise" };
        var noResolve = new Option<bool>("-n") { Description = "Accepted for nmap's sake: Inetkit never does reverse lookups" };

        var command = new Command("scan", "TCP connect, SYN and UDP port scan, as nmap reports it: loopback free, anything else only within a signed-off --scope.")
        {
            targets, inputList, exclude, excludeFile, ports, tcp, syn, udp, timeout, retries, concurrency, rate, banner, bannerWait,
            shard, shardCount, showClosed, format, output, scope, auditLog, trace, noResolve,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var request = new ScanRequest
            {
                Targets = parsed.GetValue(targets) ?? [],
                InputLists = parsed.GetValue(inputList) ?? [],
                Exclusions = parsed.GetValue(exclude) ?? [],
                ExclusionFiles = parsed.GetValue(excludeFile) ?? [],
                Ports = parsed.GetValue(ports),
                Tcp = parsed.GetValue(tcp),
                Syn = parsed.GetValue(syn),
                Udp = parsed.GetValue(udp),
                Timeout = parsed.GetValue(timeout),
                Retries = parsed.GetValue(retries),
                Concurrency = parsed.GetValue(concurrency),
                Rate = parsed.GetValue(rate),
                Banner = parsed.GetValue(banner),
                Trace = parsed.GetValue(trace),
                BannerWait = parsed.GetValue(bannerWait),
                Shard = parsed.GetValue(shard),
                ShardCount = parsed.GetValue(shardCount),
                ShowClosed = parsed.GetValue(showClosed),
                Format = parsed.GetValue(format)!,
                Output = parsed.GetValue(output)?.FullName,
                Scope = parsed.GetValue(scope)?.FullName,
                AuditLog = parsed.GetValue(auditLog) ?? environment.AuditLogPath,
                CommandLine = "inetkit " + string.Join(' ', parsed.Tokens.Select(t => t.Value.Contains(' ', StringComparison.Ordinal) ? $"\"{t.Value}\"" : t.Value)),
            };
            return await ScanRun.RunAsync(request, console, environment, cancellationToken);
        });
        return command;
    }
}
