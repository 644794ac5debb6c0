using System.CommandLine;
using System.Net;
using Inetkit.Hosting;
using Inetkit.Protocol;

namespace Inetkit.Cli;

/// <summary>
/// Every option of <c>serve</c>, with its own checks of its values: one model read from two syntaxes, the command
/// line and a config file's keys (the same names without <c>--</c>, <see cref="ServeConfigFile"/>). A fresh set
/// is made for each parse, so the file's tables are parsed without the command line's cross-option rules.
/// </summary>
internal sealed class ServeOptions
{
    public Option<string[]> Bind { get; } = new("--bind")
    {
        Description = "Address to listen on, repeatable (default: 127.0.0.1 and ::1; 'localhost' means both; '::' is dual-stack where the system allows; '*' means 0.0.0.0 and an IPv6-only ::)",
        HelpName = "ADDR",
    };

    public Option<int?> Port { get; } = new("--port") { Description = "Port for the one SERVICE named (0 picks a free one); a program service (exec) needs one", HelpName = "N" };

    public Option<int> PortOffset { get; } = new("--port-offset")
    {
        Description = "Added to each well-known port: echo 7+N, discard 9+N, daytime 13+N, qotd 17+N, chargen 19+N, time 37+N (0: the real ports)",
        DefaultValueFactory = _ => WellKnownPorts.DefaultOffset,
        HelpName = "N",
    };

    public Option<bool> Tcp { get; } = new("--tcp") { Description = "Serve TCP (default: TCP and UDP)" };

    public Option<bool> Udp { get; } = new("--udp") { Description = "Serve UDP (default: TCP and UDP)" };

    public Option<bool> Once { get; } = new("--once") { Description = "Serve one connection or one datagram, then exit 0" };

    public Option<FileInfo?> Quotes { get; } = new("--quotes") { Description = "Quotes for qotd, in fortune format (quotes separated by lines holding only %)", HelpName = "FILE" };

    public Option<string> DaytimeFormat { get; } = new("--daytime-format")
    {
        Description = "ctime (default: 'Thu Feb  7 06:28:16 2036'), rfc3339, rfc1123, or a .NET date format such as 'yyyy-MM-dd HH:mm:ss'; always UTC",
        DefaultValueFactory = _ => "ctime",
        HelpName = "FORMAT",
    };

    public Option<int> MaxConnections { get; } = new("--max-connections")
    {
        Description = "TCP connections being served at once over all services (in a config file's service table: that service's own cap, beside it); a finished one lingering for the client's FIN does not count; further clients are closed at once",
        DefaultValueFactory = _ => 1000,
        HelpName = "N",
    };

    public Option<int?> MaxConnectionsPerSource { get; } = new("--max-connections-per-source")
    {
        Description = $"Open TCP connections from one address (default: no cap for loopback, {InetServerOptions.DefaultMaxConnectionsPerSource} for others; a value applies to all)",
        HelpName = "N",
    };

    public Option<double> IdleTimeout { get; } = new("--idle-timeout")
    {
        Description = "Close a TCP connection after this many seconds without a byte either way (0: never)",
        DefaultValueFactory = _ => 300,
        HelpName = "SECONDS",
    };

    public Option<double?> UdpRate { get; } = new("--udp-rate")
    {
        Description = $"Datagrams per second per source address (default: unlimited for loopback, {InetServerOptions.DefaultUdpRate:N0} for others; a value applies to all)",
        HelpName = "N",
    };

    public Option<double?> UdpGlobalRate { get; } = new("--udp-global-rate")
    {
        Description = $"Datagrams per second from all sources together (default: unlimited for loopback, {InetServerOptions.DefaultUdpGlobalRate:N0} for others; a value applies to all)",
        HelpName = "N",
    };

    public Option<bool> AllowAmplification { get; } = new("--allow-amplification")
    {
        Description = "Let UDP replies to non-loopback sources be longer than the requests (plain RFC behaviour; makes this host a reflector)",
    };

    public Option<string[]> Impair { get; } = new("--impair")
    {
        Description = "Impair the replies on purpose, repeatable, SPEC for all services or SERVICE=SPEC for one: loss=5%,duplicate=1%,reorder=2%,delay=20ms,jitter=5ms,corrupt=1%,rate=1mbit (datagrams); latency=T,bandwidth=200KB/s,slicer=N,timeout=T,reset=T,slow-close=T,limit-data=N (TCP); seed=N for the same losses every run",
        HelpName = "SPEC",
    };

    public Option<string[]> Allow { get; } = new("--allow")
    {
        Description = "Clients allowed (xinetd's only_from): addresses and CIDR blocks, comma-separated or repeated; with an allow list, a client no entry matches is refused; the most specific entry of --allow and --deny decides",
        HelpName = "LIST",
    };

    public Option<string[]> Deny { get; } = new("--deny")
    {
        Description = "Clients refused (xinetd's no_access): addresses and CIDR blocks, comma-separated or repeated",
        HelpName = "LIST",
    };

    public Option<int> Instances { get; } = new("--instances")
    {
        Description = $"A program service's processes at once; further clients are refused at once, datagrams dropped and counted",
        DefaultValueFactory = _ => Exec.ExecProgram.DefaultInstances,
        HelpName = "N",
    };

    public Option<double> ExecTimeout { get; } = new("--exec-timeout")
    {
        Description = "A program still running after this many seconds gets SIGTERM, and SIGKILL a second later, its whole process group (0: no limit)",
        DefaultValueFactory = _ => 0,
        HelpName = "SECONDS",
    };

    public Option<string?> User { get; } = new("--user")
    {
        Description = "The user a program runs as, NAME or NAME:GROUP (serve must run as root to switch; as root, programs run as nobody unless told, and as root only if told 'root')",
        HelpName = "NAME",
    };

    public Option<string?> Group { get; } = new("--group") { Description = "The group a program runs as (default: the user's)", HelpName = "NAME" };

    public Option<string[]> PassEnv { get; } = new("--pass-env")
    {
        Description = "An environment variable passed to programs, NAME (ours) or NAME=VALUE, repeatable; they get only PATH, LANG=C.UTF-8, PROTO, TCPREMOTEIP and the like, INETKIT_SERVICE, and these",
        HelpName = "NAME",
    };

    public Option<string> WorkingDirectory { get; } = new("--working-directory")
    {
        Description = "A program's working directory",
        DefaultValueFactory = _ => "/",
        HelpName = "DIR",
    };

    public Option<string?> Name { get; } = new("--name") { Description = "The name of the program service of 'serve exec' (default: exec), as logged and given in INETKIT_SERVICE", HelpName = "NAME" };

    public Option<bool> LogConnections { get; } = new("--log-connections")
    {
        Description = "Log a line per connection, per datagram a program answered and per refusal: time, service, transport, client, outcome, duration, bytes in and out, pid and exit",
    };

    public Option<string> LogFormat { get; } = new("--log-format")
    {
        Description = "text (default) or json: one JSON object per log line, stable keys, for journald, Loki or jq",
        DefaultValueFactory = _ => "text",
        HelpName = "FORMAT",
    };

    public Option<string?> Metrics { get; } = new("--metrics")
    {
        Description = $"Serve Prometheus metrics at ADDR:PORT: /metrics (OpenMetrics when asked), and /healthz (200 while serving, 503 while stopping); a PORT alone listens on 127.0.0.1, an ADDR alone on port {MetricsAddress.DefaultPort}; off unless given",
        HelpName = "ADDR:PORT",
    };

    public Option<double> Grace { get; } = new("--grace")
    {
        Description = "Seconds that in-flight connections get to finish after SIGINT or SIGTERM (programs get SIGTERM at once, SIGKILL when it is over)",
        DefaultValueFactory = _ => 3,
        HelpName = "SECONDS",
    };

    public Option<int> UdpReceiveLoops { get; } = new("--udp-receive-loops")
    {
        Description = "Threads receiving on each UDP socket (default 1)",
        DefaultValueFactory = _ => InetServerOptions.DefaultUdpReceiveLoops,
        HelpName = "N",
    };

    public Option<bool> Trace { get; } = new("--trace") { Description = "Print every socket call as it happens (socket, bind, listen, accept, recvfrom, sendto, sendall, close, fork+exec) on stderr" };

    public Option<bool> Verbose { get; } = new("--verbose") { Description = "Log per-connection and per-datagram problems too (rate-limited)" };

    public ServeOptions()
    {
        Bind.Validators.Add(result =>
        {
            foreach (string text in result.Tokens.Select(t => t.Value))
            {
                if (ParseBind(text) is null)
                {
                    result.AddError($"--bind {text}: not an IP address (use e.g. 127.0.0.1, ::1, 0.0.0.0, ::, localhost or *)");
                }
            }
        });
        Port.Validators.Add(result => Ranges.Require<int>(result, 0, 65535, "--port"));
        PortOffset.Validators.Add(result => Ranges.Require<int>(result, 0, WellKnownPorts.MaxOffset, "--port-offset"));
        DaytimeFormat.Validators.Add(result =>
        {
            try
            {
                Protocol.DaytimeFormat.Parse(result.GetValueOrDefault<string>() ?? "");
            }
            catch (FormatException e)
            {
                result.AddError($"--daytime-format: {e.Message}");
            }
        });
        MaxConnections.Validators.Add(result => Ranges.Require<int>(result, 1, 1_000_000, "--max-connections"));
        MaxConnectionsPerSource.Validators.Add(result => Ranges.Require<int>(result, 1, 1_000_000, "--max-connections-per-source"));
        IdleTimeout.Validators.Add(result => Ranges.Require<double>(result, 0, 86_400 * 7, "--idle-timeout"));
        UdpRate.Validators.Add(result => Ranges.Require<double>(result, 0.001, 10_000_000, "--udp-rate"));
        UdpGlobalRate.Validators.Add(result => Ranges.Require<double>(result, 0.001, 100_000_000, "--udp-global-rate"));
        Grace.Validators.Add(result => Ranges.Require<double>(result, 0, 3600, "--grace"));
        UdpReceiveLoops.Validators.Add(result => Ranges.Require<int>(result, 1, 64, "--udp-receive-loops"));
        Instances.Validators.Add(result => Ranges.Require<int>(result, 1, 100_000, "--instances"));
        ExecTimeout.Validators.Add(result => Ranges.Require<double>(result, 0, 86_400 * 7, "--exec-timeout"));
        Allow.Validators.Add(result => CheckAccessList(result, "--allow"));
        Deny.Validators.Add(result => CheckAccessList(result, "--deny"));
        Ranges.OneOf(LogFormat, ["text", "json"]);
        Metrics.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && MetricsAddress.Parse(text) is null)
            {
                result.AddError(MetricsAddress.Problem("--metrics", text));
            }
        });
        PassEnv.Validators.Add(result =>
        {
            foreach (string text in result.Tokens.Select(t => t.Value))
            {
                string name = text.Split('=', 2)[0];
                if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(name[0]))
                {
                    result.AddError($"--pass-env {text}: not an environment variable name (letters, digits and _, as NAME or NAME=VALUE)");
                }
            }
        });
    }

    /// <summary>Every option, in the order help lists them.</summary>
    public IReadOnlyList<Option> All =>
    [
        Bind, Port, PortOffset, Tcp, Udp, Once, Quotes, DaytimeFormat, MaxConnections, MaxConnectionsPerSource, IdleTimeout,
        UdpRate, UdpGlobalRate, AllowAmplification, Impair, Allow, Deny, Instances, ExecTimeout, User, Group, PassEnv,
        WorkingDirectory, Name, LogConnections, LogFormat, Metrics, Grace, UdpReceiveLoops, Trace, Verbose,
    ];

    /// <summary>The entries of repeated, comma-separated LIST values.</summary>
    public static IEnumerable<string> ListEntries(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    private static void CheckAccessList(System.CommandLine.Parsing.OptionResult result, string name)
    {
        foreach (string entry in ListEntries(result.Tokens.Select(t => t.Value)))
        {
            try
            {
                AccessList.Parse([entry], []);
            }
            catch (FormatException e)
            {
                result.AddError($"{name}: {e.Message}");
            }
        }
    }

    /// <summary>The addresses a --bind value means; null if it is not one.</summary>
    public static IPAddress[]? ParseBind(string text) => text.Trim() switch
    {
        "localhost" => [IPAddress.Loopback, IPAddress.IPv6Loopback],
        "*" => [IPAddress.Any, IPAddress.IPv6Any],
        var literal when IPAddress.TryParse(literal.Trim('[', ']'), out IPAddress? address) => [address],
        _ => null,
    };
}
