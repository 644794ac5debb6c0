using System.CommandLine;
using System.Net;
using Inetkit.Clients;
using Inetkit.Protocol;
using Inetkit.Proxy;
using Inetkit.Proxy.Api;
using Inetkit.Scanning;

namespace Inetkit.Cli;

/// <summary>
/// <c>inetkit proxy --listen ADDR:PORT --to HOST:PORT</c>: a relay in front of any server, through the scanner's gate;
/// with <c>--api</c>, toxiproxy's control API too, whose proxies pass the same gate.
/// </summary>
internal static class ProxyCommand
{
    public static Command Create(CliConsole console, ScanEnvironment environment, CancellationToken stop)
    {
        var listen = new Option<string>("--listen") { Description = "Where clients connect, ADDR:PORT (default 127.0.0.1:0, a free port on loopback)", DefaultValueFactory = _ => "127.0.0.1:0", HelpName = "ADDR:PORT" };
        var to = new Option<string>("--to") { Description = "The server relayed to, HOST:PORT: loopback, or a host the --scope authorizes", HelpName = "HOST:PORT" };
        var api = new Option<string?>("--api")
        {
            Description = $"Serve toxiproxy's HTTP API at ADDR:PORT (default {ApiDefaultPort} on 127.0.0.1): proxies and toxics created by its clients and curl, each upstream through the same gate as --to",
            HelpName = "ADDR:PORT",
        };
        var apiBeyondLoopback = new Option<bool>("--api-beyond-loopback") { Description = "Allow --api on an address beyond loopback (whoever reaches it can open proxies on this machine)" };
        var tcp = new Option<bool>("--tcp") { Description = "TCP only (default: TCP and UDP)" };
        var udp = new Option<bool>("--udp") { Description = "UDP only" };
        var udpIdle = new Option<double>("--udp-idle") { Description = "Seconds a UDP session (a client and its upstream socket) lasts without a datagram", DefaultValueFactory = _ => 60, HelpName = "S" };
        udpIdle.Validators.Add(r => Ranges.Require<double>(r, 0.001, 86_400, "--udp-idle"));
        var maxSessions = new Option<int>("--max-sessions") { Description = "UDP sessions at once; past it new clients are dropped and counted, none is evicted", DefaultValueFactory = _ => 1024, HelpName = "N" };
        maxSessions.Validators.Add(r => Ranges.Require<int>(r, 1, 1_000_000, "--max-sessions"));
        var maxConnections = new Option<int>("--max-connections") { Description = "TCP connections relayed at once; past it new clients are closed and counted", DefaultValueFactory = _ => 512, HelpName = "N" };
        maxConnections.Validators.Add(r => Ranges.Require<int>(r, 1, 1_000_000, "--max-connections"));
        var allowAmplification = new Option<bool>("--allow-amplification") { Description = "Allow duplication toward clients beyond loopback (off: no client gets more than the server sent)" };
        var scope = new Option<FileInfo?>("--scope") { Description = "The signed-off scope, as for scan; needed for a target outside loopback", HelpName = "FILE" };
        var auditLog = new Option<string?>("--audit-log") { Description = $"Where proxies to hosts beyond loopback are recorded (default {environment.AuditLogPath})", HelpName = "FILE" };
        var impair = new Option<string?>("--impair")
        {
            Description = "Impair what passes, both ways unless up: or down: says: loss=5%,duplicate=1%,reorder=2%,delay=20ms,jitter=5ms,corrupt=1%,rate=1mbit (datagrams); latency=T,bandwidth=200KB/s,slicer=N,timeout=T,reset=T,slow-close=T,limit-data=N (streams); seed=N",
            HelpName = "SPEC",
        };
        impair.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text)
            {
                try
                {
                    Impairment.ImpairmentSpec.Parse(text, Impairment.Direction.Both);
                }
                catch (Impairment.ImpairmentSpecException e)
                {
                    r.AddError(e.Message);
                }
            }
        });
        var name = new Option<string>("--name")
        {
            Description = "With --to and --api: the name the --to proxy has in the API (GET /proxies/NAME, its toxics at /proxies/NAME/toxics)",
            DefaultValueFactory = _ => "proxy",
            HelpName = "NAME",
        };
        var metrics = new Option<string?>("--metrics")
        {
            Description = $"Serve Prometheus metrics at ADDR:PORT (/metrics, and /healthz: 200 while relaying, 503 while stopping); a PORT alone listens on 127.0.0.1, an ADDR alone on port {MetricsAddress.DefaultPort}",
            HelpName = "ADDR:PORT",
        };
        metrics.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && MetricsAddress.Parse(text) is null)
            {
                r.AddError(MetricsAddress.Problem("--metrics", text));
            }
        });
        var json = new Option<bool>("--json") { Description = "Print the counters at exit as one JSON object" };
        var trace = new Option<bool>("--trace") { Description = "Narrate every socket call on stderr" };
        var command = new Command("proxy", "Relay TCP and UDP to a server (loopback, or a host within a signed-off --scope), counting what passes.")
        {
            listen, to, api, apiBeyondLoopback, name, tcp, udp, impair, udpIdle, maxSessions, maxConnections, allowAmplification, scope, auditLog, metrics, json, trace,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(tcp) && r.GetValue(udp))
            {
                r.AddError("choose one of --tcp or --udp (neither: both)");
            }
            if (r.GetValue(to) is null && r.GetValue(api) is null)
            {
                r.AddError("give --to HOST:PORT, or --api to create proxies through toxiproxy's API (or both)");
            }
            if (r.GetValue(api) is not null && r.GetValue(impair) is not null)
            {
                // One place says what is in force: the API's toxics, which GET /proxies/NAME/toxics shows.
                r.AddError("--impair with --api: add the impairment as toxics through the API (POST /proxies/NAME/toxics; the datagram ones too), so that the API shows what is in force");
            }
        });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            try
            {
                string? scopePath = parsed.GetValue(scope)?.FullName;
                string auditPath = parsed.GetValue(auditLog) ?? environment.AuditLogPath;
                IPEndPoint? apiAt = parsed.GetValue(api) is { } apiText ? ParseApi(apiText, parsed.GetValue(apiBeyondLoopback)) : null;
                ToxiproxyApiOptions? apiOptions = null;
                if (apiAt is not null)
                {
                    if (scopePath is not null)
                    {
                        ScanScope.Load(scopePath); // a scope that cannot be read fails now, not at the first API call
                    }
                    apiOptions = new ToxiproxyApiOptions
                    {
                        AuthorizeUpstream = (host, port, transport, ct) => AuthorizeApiUpstreamAsync(host, port, transport, scopePath, auditPath, environment, ct),
                        Trace = parsed.GetValue(trace) ? line => { lock (console.Error) { console.Error.WriteLine(line); } } : null,
                    };
                }
                IPEndPoint? metricsAt = parsed.GetValue(metrics) is { } metricsText ? MetricsAddress.Parse(metricsText) : null;
                if (parsed.GetValue(to) is null)
                {
                    return await RunAsync(null, apiAt, apiOptions, metricsAt, parsed.GetValue(json), parsed.GetValue(name)!, console, stop);
                }
                // An address, not a name, and port 0 allowed (a free one): IPEndPoint's own syntax, [::1]:0 included.
                if (!IPEndPoint.TryParse(parsed.GetValue(listen)!, out IPEndPoint? listenAt))
                {
                    throw new ProxyInputException($"--listen {parsed.GetValue(listen)}: give an address to listen on (127.0.0.1, [::1], 0.0.0.0)");
                }
                (string host, int? port) = Split(parsed.GetValue(to)!, "--to");
                if (port is null)
                {
                    throw new ProxyInputException($"--to {parsed.GetValue(to)}: give the server's port too (HOST:PORT)");
                }
                Transport? transport = parsed.GetValue(tcp) ? Transport.Tcp : parsed.GetValue(udp) ? Transport.Udp : null;
                string ports = AuditPorts(transport, port.Value);
                IPAddress[] target = await TrafficGate.AuthorizeAsync(
                    [host], scopePath, environment, "proxying to", "proxy", auditPath,
                    [parsed.GetValue(to)!], ports, m => new ProxyInputException($"--to: {m}"), cancellationToken);
                environment.OnScanStarting?.Invoke();
                var options = new InetProxyOptions
                {
                    Listen = listenAt,
                    Target = new IPEndPoint(target[0], port.Value),
                    Transport = transport,
                    UdpIdle = TimeSpan.FromSeconds(parsed.GetValue(udpIdle)),
                    MaxSessions = parsed.GetValue(maxSessions),
                    MaxConnections = parsed.GetValue(maxConnections),
                    AllowAmplification = parsed.GetValue(allowAmplification),
                    Impairment = parsed.GetValue(impair) is { } spec ? Impairment.ImpairmentSpec.Parse(spec, Impairment.Direction.Both) : Impairment.ImpairmentSpec.None,
                    Name = parsed.GetValue(name)!,
                    Trace = parsed.GetValue(trace) ? line => { lock (console.Error) { console.Error.WriteLine(line); } } : null,
                };
                return await RunAsync(options, apiAt, apiOptions, metricsAt, parsed.GetValue(json), parsed.GetValue(name)!, console, stop);
            }
            catch (UnauthorizedScanException e)
            {
                await console.Error.WriteLineAsync($"inetkit: proxy refused: {e.Message}");
                return ExitCodes.Refused;
            }
            catch (ScopeException e)
            {
                await console.Error.WriteLineAsync($"inetkit: proxy refused: {e.Message}. {ScanAuthorization.Warning}");
                return ExitCodes.Refused;
            }
            catch (ProxyBindException e)
            {
                await console.Error.WriteLineAsync($"inetkit: proxy: {e.Message}");
                return ExitCodes.Failure;
            }
            catch (Inetkit.Metrics.MetricsBindException e)
            {
                await console.Error.WriteLineAsync($"inetkit: proxy: {e.Message}");
                return ExitCodes.Failure;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, console.Error);
            }
        });
        return command;
    }

    /// <summary>toxiproxy-server's port, so that clients' default URLs (http://localhost:8474) find the API.</summary>
    private const int ApiDefaultPort = 8474;

    /// <summary>
    /// <c>--api</c>: <c>PORT</c>, <c>:PORT</c>, <c>ADDR</c>, <c>ADDR:PORT</c> or <c>localhost[:PORT]</c>; loopback and
    /// 8474 where left out. An address beyond loopback needs <c>--api-beyond-loopback</c> as well.
    /// </summary>
    private static IPEndPoint ParseApi(string text, bool beyondLoopback)
    {
        string t = text.Trim();
        IPEndPoint at;
        if (int.TryParse(t.TrimStart(':'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) && port <= 65535)
        {
            at = new IPEndPoint(IPAddress.Loopback, port);
        }
        else if (IPAddress.TryParse(t.Trim('[', ']'), out IPAddress? address) && !(t.Contains('.', StringComparison.Ordinal) && t.Contains(':', StringComparison.Ordinal)))
        {
            at = new IPEndPoint(address, ApiDefaultPort);
        }
        else if (t.Equals("localhost", StringComparison.OrdinalIgnoreCase) || t.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            at = IPEndPoint.TryParse("127.0.0.1" + t[9..], out IPEndPoint? local) ? local : throw new ProxyInputException($"--api {text}: give ADDR:PORT, such as 127.0.0.1:{ApiDefaultPort}");
            at = t.Length == 9 ? new IPEndPoint(IPAddress.Loopback, ApiDefaultPort) : at;
        }
        else if (!IPEndPoint.TryParse(t, out at!))
        {
            throw new ProxyInputException($"--api {text}: give ADDR:PORT, such as 127.0.0.1:{ApiDefaultPort}");
        }
        if (!ScanScope.IsLoopback(at.Address) && !beyondLoopback)
        {
            throw new ProxyInputException($"--api {text}: whoever reaches the API can open proxies on this machine, so it stays on loopback unless --api-beyond-loopback is given too");
        }
        return at;
    }

    /// <summary>An API proxy's upstream passes the gate --to passes: loopback, or within the --scope, recorded in the audit log.</summary>
    private static async ValueTask<IPAddress> AuthorizeApiUpstreamAsync(
        string host, int port, Transport? transport, string? scopePath, string auditPath, ScanEnvironment environment, CancellationToken cancellationToken)
    {
        string ports = AuditPorts(transport, port);
        string target = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        IPAddress[] addresses = await TrafficGate.AuthorizeAsync(
            [host], scopePath, environment, "proxying to", "proxy", auditPath, [target], ports, m => new ArgumentException(m), cancellationToken);
        return addresses[0];
    }

    /// <summary>The ports as the audit log records them: <c>T:7</c>, <c>U:7</c>, or both.</summary>
    private static string AuditPorts(Transport? transport, int port) => transport switch { Transport.Tcp => $"T:{port}", Transport.Udp => $"U:{port}", _ => $"T:{port},U:{port}" };

    private static string Count(long n, string what) => n == 1 ? $"1 {what}" : $"{n:N0} {what}s";

    private static (string Host, int? Port) Split(string text, string option)
    {
        try
        {
            return ServiceAddress.Split(text);
        }
        catch (FormatException e)
        {
            throw new ProxyInputException($"{option}: {e.Message}");
        }
    }

    private static async Task<int> RunAsync(InetProxyOptions? options, IPEndPoint? apiAt, ToxiproxyApiOptions? apiOptions, IPEndPoint? metricsAt, bool json, string name, CliConsole console, CancellationToken stop)
    {
        // First, so that it is there for the proxies from their start; the proxies' counts are read from them at each scrape.
        await using Inetkit.Metrics.MetricsEndpoint? metrics = metricsAt is null ? null : await Inetkit.Metrics.MetricsEndpoint.StartAsync(metricsAt, stop);
        if (metrics is not null)
        {
            await console.Error.WriteLineAsync($"inetkit: metrics on {metrics.MetricsUri}");
        }
        ToxiproxyApi? api;
        try
        {
            api = apiAt is null ? null : await ToxiproxyApi.StartAsync(apiAt, apiOptions, stop);
        }
        catch (IOException e)
        {
            await console.Error.WriteLineAsync($"inetkit: proxy: --api {apiAt}: {e.Message}");
            return ExitCodes.Failure;
        }
        await using ToxiproxyApi? apiInUse = api;
        // With the API, the --to proxy is one of its proxies, so that its clients see it and change its toxics.
        await using InetProxy? own = options is null || api is not null ? null : await InetProxy.StartAsync(options, stop);
        InetProxy? proxy = options is null ? null : own ?? await api!.AddProxyAsync(name, options, stop);
        if (proxy is not null)
        {
            string transports = options!.Transport switch { Transport.Tcp => "tcp", Transport.Udp => "udp", _ => "tcp+udp" };
            await console.Out.WriteLineAsync($"proxy {transports} {proxy.EndPoint} -> {options.Target}{(api is null ? "" : $" (api name {name})")}");
        }
        if (api is not null)
        {
            await console.Out.WriteLineAsync($"api http://{api.EndPoint}");
        }
        await console.Out.FlushAsync(CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: stop, and say what passed.
        }
        metrics?.ReportStopping();
        if (api is not null && proxy is not null)
        {
            // The API may have disabled it (a new relay when enabled again) or deleted it: count the one running now.
            proxy = api.GetProxy(name) ?? proxy;
        }
        if (proxy is null)
        {
            return ExitCodes.Success;
        }
        await proxy.StopAsync();
        ProxyStatistics s = proxy.Statistics;
        if (json)
        {
            JsonOut.Write(console.Out, w =>
            {
                w.WriteNumber("connections", s.Connections);
                w.WriteNumber("connections_refused", s.ConnectionsRefused);
                w.WriteNumber("bytes_up", s.BytesUp);
                w.WriteNumber("bytes_down", s.BytesDown);
                w.WriteNumber("datagrams_up", s.DatagramsUp);
                w.WriteNumber("datagrams_down", s.DatagramsDown);
                w.WriteNumber("sessions", s.Sessions);
                w.WriteNumber("sessions_expired", s.SessionsExpired);
                w.WriteNumber("dropped_no_session", s.DatagramsDroppedNoSession);
                w.WriteNumber("dropped_by_source", s.DatagramsDroppedBySource);
                w.WriteNumber("lost", s.Impairment.Lost);
                w.WriteNumber("duplicated", s.Impairment.Duplicated);
                w.WriteNumber("reordered", s.Impairment.Reordered);
                w.WriteNumber("delayed", s.Impairment.Delayed);
                w.WriteNumber("corrupted", s.Impairment.Corrupted);
                w.WriteNumber("rate_dropped", s.Impairment.RateDropped);
            });
        }
        else
        {
            await console.Error.WriteLineAsync(
                $"inetkit: proxy relayed {Count(s.Connections, "connection")} ({s.ConnectionsRefused:N0} refused), {Count(s.DatagramsUp, "datagram")} up and {s.DatagramsDown:N0} down in {Count(s.Sessions, "session")}; "
                + $"{Count(s.BytesUp, "byte")} up, {s.BytesDown:N0} down; dropped {s.DatagramsDroppedNoSession:N0} (no session), {s.DatagramsDroppedBySource:N0} (source guards)"
                + (proxy.Impairment.IsNone && options!.Impairment.IsNone ? "" : $"; impairment ({(options!.Impairment.IsNone ? proxy.Impairment : options.Impairment)}): {s.Impairment.Lost:N0} lost, {s.Impairment.Duplicated:N0} duplicated, {s.Impairment.Reordered:N0} reordered, {s.Impairment.Delayed:N0} delayed, {s.Impairment.Corrupted:N0} corrupted, {s.Impairment.RateDropped:N0} dropped by the rate"));
        }
        return ExitCodes.Success;
    }
}
