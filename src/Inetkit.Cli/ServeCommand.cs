using System.CommandLine;
using System.Net;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Microsoft.Extensions.Logging;

namespace Inetkit.Cli;

/// <summary><c>inetkit serve [SERVICE...]</c>: the six services over TCP and UDP, safe by default.</summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter output, TextWriter error, CancellationToken stop)
    {
        var services = new Argument<string[]>("SERVICE")
        {
            Description = "echo, discard, daytime, qotd, chargen, time (default: all six)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var bind = new Option<string[]>("--bind")
        {
            Description = "Address to listen on, repeatable (default: 127.0.0.1 and ::1; 'localhost' means both, '*' means every address)",
            HelpName = "ADDR",
        };
        bind.Validators.Add(result =>
        {
            foreach (string text in result.Tokens.Select(t => t.Value))
            {
                if (ParseBind(text) is null)
                {
                    result.AddError($"--bind {text}: not an IP address (use e.g. 127.0.0.1, ::1, 0.0.0.0, localhost or *)");
                }
            }
        });
        var port = new Option<int?>("--port") { Description = "Port for the one SERVICE named (0 picks a free one)", HelpName = "N" };
        port.Validators.Add(result => Ranges.Require<int>(result, 0, 65535, "--port"));
        var offset = new Option<int>("--port-offset")
        {
            Description = "Added to each well-known port: echo 7+N, discard 9+N, daytime 13+N, qotd 17+N, chargen 19+N, time 37+N (0: the real ports)",
            DefaultValueFactory = _ => WellKnownPorts.DefaultOffset,
            HelpName = "N",
        };
        offset.Validators.Add(result => Ranges.Require<int>(result, 0, WellKnownPorts.MaxOffset, "--port-offset"));
        var tcp = new Option<bool>("--tcp") { Description = "Serve TCP (default: TCP and UDP)" };
        var udp = new Option<bool>("--udp") { Description = "Serve UDP (default: TCP and UDP)" };
        var once = new Option<bool>("--once") { Description = "Serve one connection or one datagram, then exit 0" };
        var quotes = new Option<FileInfo?>("--quotes") { Description = "Quotes for qotd, in fortune format (quotes separated by lines holding only %)", HelpName = "FILE" };
        var daytimeFormat = new Option<string>("--daytime-format")
        {
            Description = "ctime (default: 'Thu Feb  7 06:28:16 2036'), rfc3339, rfc1123, or a .NET date format such as 'yyyy-MM-dd HH:mm:ss'; always UTC",
            DefaultValueFactory = _ => "ctime",
            HelpName = "FORMAT",
        };
        daytimeFormat.Validators.Add(result =>
        {
            try
            {
                DaytimeFormat.Parse(result.GetValueOrDefault<string>() ?? "");
            }
            catch (FormatException e)
            {
                result.AddError($"--daytime-format: {e.Message}");
            }
        });
        var maxConnections = new Option<int>("--max-connections")
        {
            Description = "TCP connections being served at once (a finished one lingering for the client's FIN does not count); further clients are closed at once",
            DefaultValueFactory = _ => 1000,
            HelpName = "N",
        };
        maxConnections.Validators.Add(result => Ranges.Require<int>(result, 1, 1_000_000, "--max-connections"));
        var maxPerSource = new Option<int?>("--max-connections-per-source")
        {
            Description = $"Open TCP connections from one address (default: no cap for loopback, {InetServerOptions.DefaultMaxConnectionsPerSource} for others; a value applies to all)",
            HelpName = "N",
        };
        maxPerSource.Validators.Add(result => Ranges.Require<int>(result, 1, 1_000_000, "--max-connections-per-source"));
        var idle = new Option<double>("--idle-timeout")
        {
            Description = "Close a TCP connection after this many seconds without a byte either way (0: never)",
            DefaultValueFactory = _ => 300,
            HelpName = "SECONDS",
        };
        idle.Validators.Add(result => Ranges.Require<double>(result, 0, 86_400 * 7, "--idle-timeout"));
        var udpRate = new Option<double?>("--udp-rate")
        {
            Description = $"Datagrams per second per source address (default: unlimited for loopback, {InetServerOptions.DefaultUdpRate:N0} for others; a value applies to all)",
            HelpName = "N",
        };
        udpRate.Validators.Add(result => Ranges.Require<double>(result, 0.001, 10_000_000, "--udp-rate"));
        var udpGlobalRate = new Option<double?>("--udp-global-rate")
        {
            Description = $"Datagrams per second from all sources together (default: unlimited for loopback, {InetServerOptions.DefaultUdpGlobalRate:N0} for others; a value applies to all)",
            HelpName = "N",
        };
        udpGlobalRate.Validators.Add(result => Ranges.Require<double>(result, 0.001, 100_000_000, "--udp-global-rate"));
        var allowAmplification = new Option<bool>("--allow-amplification")
        {
            Description = "Let UDP replies to non-loopback sources be longer than the requests (plain RFC behaviour; makes this host a reflector)",
        };
        var impair = new Option<string[]>("--impair")
        {
            Description = "Impair the replies on purpose, repeatable, SPEC for all services or SERVICE=SPEC for one: loss=5%,duplicate=1%,reorder=2%,delay=20ms,jitter=5ms,corrupt=1%,rate=1mbit (datagrams); latency=T,bandwidth=200KB/s,slicer=N,timeout=T,reset=T,slow-close=T,limit-data=N (TCP); seed=N for the same losses every run",
            HelpName = "SPEC",
        };
        var grace = new Option<double>("--grace")
        {
            Description = "Seconds that in-flight connections get to finish after SIGINT or SIGTERM",
            DefaultValueFactory = _ => 3,
            HelpName = "SECONDS",
        };
        grace.Validators.Add(result => Ranges.Require<double>(result, 0, 3600, "--grace"));
        var trace = new Option<bool>("--trace") { Description = "Print every socket call as it happens (socket, bind, listen, accept, recvfrom, sendto, sendall, close) on stderr" };
        var verbose = new Option<bool>("--verbose") { Description = "Log per-connection and per-datagram problems too (rate-limited)" };

        var udpLoops = new Option<int>("--udp-receive-loops")
        {
            Description = "Threads receiving on each UDP socket (default 1)",
            DefaultValueFactory = _ => InetServerOptions.DefaultUdpReceiveLoops,
            HelpName = "N",
        };
        udpLoops.Validators.Add(result => Ranges.Require<int>(result, 1, 64, "--udp-receive-loops"));
        var command = new Command("serve", "Run the echo, discard, daytime, qotd, chargen and time services over TCP and UDP (loopback only unless --bind says otherwise).")
        {
            services, bind, port, offset, tcp, udp, once, quotes, daytimeFormat, maxConnections, maxPerSource, idle,
            udpRate, udpGlobalRate, allowAmplification, impair, grace, udpLoops, trace, verbose,
        };
        command.Validators.Add(Ranges.Guarded(result =>
        {
            foreach (string name in result.GetValue(services) ?? [])
            {
                if (name.StartsWith('-'))
                {
                    result.AddError($"unrecognized option '{name}'");
                }
                else if (!WellKnownPorts.TryParse(name, out _))
                {
                    result.AddError($"unknown service '{name}'; choose from echo, discard, daytime, qotd, chargen, time");
                }
            }
            int named = result.GetValue(services)?.Length ?? 0;
            if (result.GetResult(port) is { Implicit: false } && named != 1)
            {
                result.AddError(named == 0
                    ? "--port needs exactly one SERVICE (with all six, use --port-offset)"
                    : $"--port needs exactly one SERVICE, not {named} (use --port-offset to move them all)");
            }
            string[] names = result.GetValue(services) ?? [];
            string? twice = names.GroupBy(n => n.ToLowerInvariant()).FirstOrDefault(g => g.Count() > 1)?.Key;
            if (twice is not null)
            {
                result.AddError($"service '{twice}' is named twice");
            }
            try
            {
                Transport only = (result.GetValue(tcp) ? Transport.Tcp : 0) | (result.GetValue(udp) ? Transport.Udp : 0);
                ImpairArguments.Parse(result.GetValue(impair) ?? [], only);
            }
            catch (Inetkit.Impairment.ImpairmentSpecException e)
            {
                result.AddError(e.Message);
            }
        }));

        command.SetAction(async (parsed, cancellationToken) =>
        {
            var logger = new ConsoleLogger(error, parsed.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information);
            try
            {
                Transport transports = (parsed.GetValue(tcp) ? Transport.Tcp : 0) | (parsed.GetValue(udp) ? Transport.Udp : 0);
                double idleSeconds = parsed.GetValue(idle);
                FileInfo? quotesFile = parsed.GetValue(quotes);
                string[] bindTexts = parsed.GetValue(bind) ?? [];
                var (impairAll, impairPerService) = ImpairArguments.Parse(parsed.GetValue(impair) ?? [], transports);
                var options = new InetServerOptions
                {
                    Impairment = impairAll,
                    ServiceImpairments = impairPerService,
                    Services = ParseServices(parsed.GetValue(services)),
                    BindAddresses = bindTexts.Length == 0 ? null : [.. bindTexts.SelectMany(t => ParseBind(t)!).Distinct()],
                    Port = parsed.GetValue(port),
                    PortOffset = parsed.GetValue(offset),
                    Transports = transports == Transport.None ? Transport.Both : transports,
                    Once = parsed.GetValue(once),
                    Quotes = quotesFile is null ? QuoteBook.BuiltIn : QuoteBook.Load(quotesFile.FullName),
                    DaytimeFormat = DaytimeFormat.Parse(parsed.GetValue(daytimeFormat)!),
                    MaxConnections = parsed.GetValue(maxConnections),
                    MaxConnectionsPerSource = parsed.GetValue(maxPerSource),
                    IdleTimeout = idleSeconds == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(idleSeconds),
                    UdpRate = parsed.GetValue(udpRate),
                    UdpGlobalRate = parsed.GetValue(udpGlobalRate),
                    AllowAmplification = parsed.GetValue(allowAmplification),
                    ShutdownGrace = TimeSpan.FromSeconds(parsed.GetValue(grace)),
                    UdpReceiveLoops = parsed.GetValue(udpLoops),
                    Logger = logger,
                    Trace = parsed.GetValue(trace) ? line => error.WriteLine(line) : null,
                };
                return await ServeAsync(options, output, error, cancellationToken);
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, error);
            }
        });
        return command;
    }

    private static async Task<int> ServeAsync(InetServerOptions options, TextWriter output, TextWriter error, CancellationToken stop)
    {
        await using InetServer server = await InetServer.StartAsync(options, stop);
        foreach (ListenerEndpoint endpoint in server.Endpoints)
        {
            await output.WriteLineAsync(endpoint.ToString());
        }
        await output.FlushAsync(CancellationToken.None);
        if (!options.Once)
        {
            await error.WriteLineAsync($"inetkit: serving {server.Endpoints.Count} sockets; Ctrl+C stops");
            foreach (ServiceKind kind in options.Services.Where(k => !options.ImpairmentFor(k).IsNone))
            {
                await error.WriteLineAsync($"inetkit: impairing what {WellKnownPorts.Name(kind)} sends: {options.ImpairmentFor(kind).Describe(Inetkit.Impairment.Direction.Down)}");
            }
        }
        try
        {
            await server.Completion.WaitAsync(stop);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync($"inetkit: stopping (open connections get {options.ShutdownGrace.TotalSeconds:0.#} s to finish)");
        }
        await server.StopAsync();
        foreach ((ServiceKind kind, Inetkit.Impairment.ImpairmentCounters c) in server.Statistics.Impairment)
        {
            // What was done on purpose, to set beside what the client measured.
            await error.WriteLineAsync($"inetkit: {WellKnownPorts.Name(kind)} impairment: {c.Submitted:N0} handed over, {c.Lost:N0} lost, {c.Duplicated:N0} duplicated, {c.Reordered:N0} reordered, {c.Delayed:N0} delayed, {c.Corrupted:N0} corrupted, {c.RateDropped:N0} dropped by the rate");
        }
        return ExitCodes.Success;
    }

    private static List<ServiceKind> ParseServices(string[]? names)
    {
        if (names is null || names.Length == 0)
        {
            return [.. WellKnownPorts.All];
        }
        var result = new List<ServiceKind>();
        foreach (string name in names)
        {
            // The validator has already refused unknown names.
            result.Add(WellKnownPorts.TryParse(name, out ServiceKind kind) ? kind : throw new ArgumentException($"unknown service '{name}'"));
        }
        return result;
    }

    internal static IPAddress[]? ParseBind(string text) => text.Trim() switch
    {
        "localhost" => [IPAddress.Loopback, IPAddress.IPv6Loopback],
        "*" => [IPAddress.Any, IPAddress.IPv6Any],
        var literal when IPAddress.TryParse(literal.Trim('[', ']'), out IPAddress? address) => [address],
        _ => null,
    };
}
