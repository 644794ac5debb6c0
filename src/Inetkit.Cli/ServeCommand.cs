using System.CommandLine;
using System.Net;
using Inetkit.Hosting;
using Inetkit.Hosting.Systemd;
using Inetkit.Protocol;
using Microsoft.Extensions.Logging;

namespace Inetkit.Cli;

/// <summary>
/// <c>inetkit serve [SERVICE...]</c>: the six services over TCP and UDP, safe by default; <c>serve exec -- PROGRAM
/// [ARGS...]</c>: a program of the user's as a service, inetd-style; <c>serve --config FILE</c>: every service from
/// one file, reloaded on SIGHUP.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter output, TextWriter error, CancellationToken stop)
    {
        var services = new Argument<string[]>("SERVICE")
        {
            Description = "echo, discard, daytime, qotd, chargen, time (default: all six); or exec -- PROGRAM [ARGS...] to serve a program",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var options = new ServeOptions();
        var config = new Option<FileInfo?>("--config") { Description = "Every service from a TOML file ([defaults] and [service.NAME] tables; docs/superserver.md); options given here override it", HelpName = "FILE" };
        var check = new Option<bool>("--check") { Description = "With --config: validate the file, print the effective configuration (every value and where it came from) and exit 0, or 1 if it is wrong" };
        var command = new Command("serve", "Run the echo, discard, daytime, qotd, chargen and time services over TCP and UDP (loopback only unless --bind says otherwise), programs of yours (serve exec), or all a config file says.")
        {
            services, config, check,
        };
        foreach (Option option in options.All)
        {
            command.Options.Add(option);
        }
        command.Validators.Add(Ranges.Guarded(result =>
        {
            string[] names = result.GetValue(services) ?? [];
            bool exec = names.Length > 0 && names[0] == "exec";
            bool file = result.GetValue(config) is not null;
            if (result.GetValue(check) && !file)
            {
                result.AddError("--check needs --config FILE");
            }
            if (exec)
            {
                if (names.Length == 1)
                {
                    result.AddError("serve exec needs a program: serve exec --port N -- PROGRAM [ARGS...]");
                }
                if (result.GetResult(options.Port) is not { Implicit: false })
                {
                    result.AddError("serve exec needs --port N (0 picks a free one)");
                }
                if (file)
                {
                    result.AddError("serve exec and --config do not go together: give the program an [service.NAME] table with exec = [...]");
                }
            }
            else
            {
                CheckBuiltIns(result, names, options, file);
            }
            if (!exec && !file)
            {
                foreach (Option only in new Option[] { options.Instances, options.ExecTimeout, options.User, options.Group, options.PassEnv, options.WorkingDirectory, options.Name })
                {
                    if (result.GetResult(only) is { Implicit: false })
                    {
                        result.AddError($"{only.Name} applies to program services: serve exec ... or --config");
                    }
                }
            }
            try
            {
                Transport only = (result.GetValue(options.Tcp) ? Transport.Tcp : 0) | (result.GetValue(options.Udp) ? Transport.Udp : 0);
                ImpairArguments.Parse(result.GetValue(options.Impair) ?? [], only);
            }
            catch (Inetkit.Impairment.ImpairmentSpecException e)
            {
                result.AddError(e.Message);
            }
        }));

        command.SetAction(async (parsed, cancellationToken) =>
        {
            bool json = parsed.GetValue(options.LogFormat) == "json";
            var logger = new ConsoleLogger(error, parsed.GetValue(options.Verbose) ? LogLevel.Debug : LogLevel.Information, json);
            try
            {
                var commandLine = new ServeLayer(options, parsed, "command line");
                // Taken once: a reload serves the same sockets systemd passed at start.
                IReadOnlyList<ActivatedSocket>? activated = parsed.GetValue(check) ? null : SocketActivation.Take() is { Count: > 0 } passed ? passed : null;
                FileInfo? file = parsed.GetValue(config);
                ServeSettings settings = file is null
                    ? new ServeSettings(commandLine, null, CommandLineServices(parsed.GetValue(services) ?? [], parsed.GetValue(options.Name)))
                    : ServeConfigFile.Load(file.FullName, commandLine);
                // The file may say how to log too (the command line, already read, still wins).
                json = settings.Server(o => o.LogFormat).Value == "json";
                logger = new ConsoleLogger(error, settings.Server(o => o.Verbose).Value ? LogLevel.Debug : LogLevel.Information, json);
                InetServerOptions serverOptions = Build(settings, logger, error) with { ActivatedSockets = activated };
                if (parsed.GetValue(check))
                {
                    ServeCheck.Print(settings, serverOptions, output);
                    return ExitCodes.Success;
                }
                Func<InetServerOptions>? reload = file is null ? null : () => Build(ServeConfigFile.Load(file.FullName, commandLine), logger, error) with { ActivatedSockets = activated };
                return await ServeAsync(serverOptions, logger, output, reload, file?.FullName, cancellationToken);
            }
            catch (ServeConfigException e)
            {
                logger.Fail(e.Message);
                return ExitCodes.Failure;
            }
            catch (Exception e) when (json)
            {
                // --log-format json: the error is a log line like any other.
                (string message, int code) = CliErrors.Describe(e);
                logger.Fail(message);
                return code;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, error);
            }
        });
        return command;
    }

    /// <summary>The server's options, programs found and users looked up, so that nothing is bound if any is wrong.</summary>
    internal static InetServerOptions Build(ServeSettings settings, ConsoleLogger logger, TextWriter error)
    {
        bool trace = settings.Server(o => o.Trace).Value;
        bool logConnections = settings.Server(o => o.LogConnections).Value;
        return settings.Build(logger, trace ? line => error.WriteLine(line) : null, logConnections ? logger.Connection : null);
    }

    private static void CheckBuiltIns(System.CommandLine.Parsing.CommandResult result, string[] names, ServeOptions options, bool file)
    {
        foreach (string name in names)
        {
            if (name.StartsWith('-'))
            {
                result.AddError($"unrecognized option '{name}'");
            }
            else if (!WellKnownPorts.TryParse(name, out ServiceKind kind) || kind == ServiceKind.Exec)
            {
                result.AddError($"unknown service '{name}'; choose from echo, discard, daytime, qotd, chargen, time, or exec -- PROGRAM");
            }
        }
        if (file && names.Length > 0)
        {
            result.AddError("with --config, the services are the file's: name none here");
        }
        if (result.GetResult(options.Port) is { Implicit: false } && names.Length != 1)
        {
            result.AddError(file ? "with --config, give each service's port in its table"
                : names.Length == 0 ? "--port needs exactly one SERVICE (with all six, use --port-offset)"
                : $"--port needs exactly one SERVICE, not {names.Length} (use --port-offset to move them all)");
        }
        string? twice = names.GroupBy(n => n.ToLowerInvariant()).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (twice is not null)
        {
            result.AddError($"service '{twice}' is named twice");
        }
    }

    /// <summary>Rereads the file at each SIGHUP; a file that fails changes nothing, and one line says why.</summary>
    private static async Task ReloadOnHangupAsync(InetServer server, System.Threading.Channels.ChannelReader<bool> hangups, Func<InetServerOptions> reload, string file, ConsoleLogger logger, TextWriter output, SystemdNotifier systemd, CancellationToken stop)
    {
        try
        {
            while (await hangups.WaitToReadAsync(stop))
            {
                while (hangups.TryRead(out _))
                {
                }
                systemd.Reloading();
                try
                {
                    InetServer.ReloadResult result = server.Reload(reload());
                    foreach (ListenerEndpoint endpoint in result.Bound)
                    {
                        await output.WriteLineAsync(endpoint.ToString());
                    }
                    await output.FlushAsync(CancellationToken.None);
                    logger.Say($"reloaded {file}: {Count(result.Added, "added")}, {Count(result.Removed, "removed")}, {result.Bound.Count} sockets bound, {result.Closed.Count} closed");
                }
                catch (Exception e) when (e is ServeConfigException or ArgumentException or BindFailedException or QuotesFileException or FormatException or Inetkit.Impairment.ImpairmentSpecException or PlatformNotSupportedException or SocketActivationException)
                {
                    logger.Fail($"reload refused, still serving the configuration before it: {e.Message}");
                }
                systemd.Ready(Status(server));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>systemctl status's line: what serves and how busy it is.</summary>
    private static string Status(InetServer server)
    {
        InetServerStatistics s = server.Statistics;
        return $"serving {server.Endpoints.Count} sockets; {s.ConnectionsOpen:N0} connections open, {s.ConnectionsAccepted:N0} accepted, {s.DatagramsAnswered:N0} datagrams answered";
    }

    private static async Task KeepStatusAsync(InetServer server, SystemdNotifier systemd, CancellationToken cancellationToken)
    {
        using var every = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await every.WaitForNextTickAsync(cancellationToken))
            {
                systemd.Status(Status(server));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static string Count(IReadOnlyList<string> names, string what) => names.Count == 0 ? $"none {what}" : $"{what} {string.Join(", ", names)}";

    private static List<ServiceSource> CommandLineServices(string[] names, string? execName)
    {
        if (names.Length > 0 && names[0] == "exec")
        {
            return [new ServiceSource(execName ?? "exec", ServiceKind.Exec, names[1..], null, "command line")];
        }
        IEnumerable<ServiceKind> kinds = names.Length == 0 ? WellKnownPorts.All : names.Select(n => WellKnownPorts.TryParse(n, out ServiceKind k) ? k : throw new ArgumentException($"unknown service '{n}'"));
        return [.. kinds.Select(k => new ServiceSource(WellKnownPorts.Name(k), k, null, null, "command line"))];
    }

    private static async Task<int> ServeAsync(InetServerOptions options, ConsoleLogger logger, TextWriter output, Func<InetServerOptions>? reload, string? file, CancellationToken stop)
    {
        await using InetServer server = await InetServer.StartAsync(options, stop);
        using var systemd = new SystemdNotifier();
        var hangups = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        using System.Runtime.InteropServices.PosixSignalRegistration? hangup = reload is null ? null
            : System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, context =>
            {
                // xinetd's habit: SIGHUP rereads the file instead of ending the process.
                context.Cancel = true;
                hangups.Writer.TryWrite(true);
            });
        Task reloading = reload is null ? Task.CompletedTask : ReloadOnHangupAsync(server, hangups.Reader, reload, file!, logger, output, systemd, stop);
        systemd.Ready(Status(server));
        using var statusTicks = new CancellationTokenSource();
        Task status = systemd.Enabled ? KeepStatusAsync(server, systemd, statusTicks.Token) : Task.CompletedTask;
        foreach (ListenerEndpoint endpoint in server.Endpoints)
        {
            await output.WriteLineAsync(endpoint.ToString());
        }
        await output.FlushAsync(CancellationToken.None);
        if (server.Metrics is { } metrics)
        {
            // On stderr with the other notes, so that a script (or a test) that asked for port 0 finds the one bound.
            logger.Say($"metrics on {metrics.MetricsUri}");
            if (!IPAddress.IsLoopback(metrics.EndPoint.Address))
            {
                logger.Warn($"metrics on {metrics.EndPoint} are reachable beyond loopback: they tell whoever asks what this machine serves and how busy it is");
            }
        }
        if (!options.Once)
        {
            logger.Say($"serving {server.Endpoints.Count} socket{(server.Endpoints.Count == 1 ? "" : "s")}; Ctrl+C stops");
            foreach (ServiceDefinition d in options.ResolveDefinitions().Where(d => !(d.Impairment ?? options.ImpairmentFor(d.Kind)).IsNone))
            {
                logger.Say($"impairing what {d.Name} sends: {(d.Impairment ?? options.ImpairmentFor(d.Kind)).Describe(Inetkit.Impairment.Direction.Down)}");
            }
        }
        try
        {
            await server.Completion.WaitAsync(stop);
        }
        catch (OperationCanceledException)
        {
            logger.Say($"stopping (open connections get {options.ShutdownGrace.TotalSeconds:0.#} s to finish)");
        }
        systemd.Stopping(Status(server));
        hangups.Writer.TryComplete();
        await reloading;
        await statusTicks.CancelAsync();
        await status;
        await server.StopAsync();
        foreach ((ServiceKind kind, Inetkit.Impairment.ImpairmentCounters c) in server.Statistics.Impairment)
        {
            // What was done on purpose, to set beside what the client measured.
            logger.Say($"{WellKnownPorts.Name(kind)} impairment: {c.Submitted:N0} handed over, {c.Lost:N0} lost, {c.Duplicated:N0} duplicated, {c.Reordered:N0} reordered, {c.Delayed:N0} delayed, {c.Corrupted:N0} corrupted, {c.RateDropped:N0} dropped by the rate");
        }
        return ExitCodes.Success;
    }
}
