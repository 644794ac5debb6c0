using System.CommandLine;

namespace Inetkit.Cli;

/// <summary>The <c>inetkit</c> command tree; parse errors become exit code 2 with one line each.</summary>
internal static class InetkitCli
{
    public static RootCommand Build(CliConsole console, CancellationToken stop, ScanEnvironment? scan = null)
    {
        var root = new RootCommand("inetkit: the classic Internet socket services (RFC 862-868): servers, clients, a conformance checker and an authorized-only scanner.");
        root.Subcommands.Add(ServeCommand.Create(console.Out, console.Error, stop));
        root.Subcommands.Add(EchoCommand.Create(console));
        root.Subcommands.Add(OneShotCommands.Qotd(console));
        root.Subcommands.Add(OneShotCommands.Daytime(console));
        root.Subcommands.Add(OneShotCommands.Time(console));
        root.Subcommands.Add(ThroughputCommands.Chargen(console));
        root.Subcommands.Add(ThroughputCommands.Discard(console));
        root.Subcommands.Add(ScanCommand.Create(console, scan ?? ScanEnvironment.System));
        root.Subcommands.Add(MergeCommand.Create(console));
        root.Subcommands.Add(CheckCommand.Create(console, scan ?? ScanEnvironment.System));
        root.Subcommands.Add(ProxyCommand.Create(console, scan ?? ScanEnvironment.System, stop));
        root.Subcommands.Add(DemoCommand.Create(console, scan ?? ScanEnvironment.System, stop));
        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken stop) =>
        RunAsync(args, CliConsole.Captured(output, error), stop);

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken stop, ScanEnvironment? scan = null)
    {
        TextWriter output = console.Out;
        TextWriter error = console.Error;
        RootCommand root = Build(console, stop, scan);
        ParseResult parsed = root.Parse(args, ResponseFiles.Configuration);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"inetkit: {parseError.Message}");
            }
            string command = parsed.CommandResult.Command == root ? "inetkit" : $"inetkit {parsed.CommandResult.Command.Name}";
            await error.WriteLineAsync($"Run '{command} --help' for usage.");
            return ExitCodes.Usage;
        }
        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // Signals are ours (ShutdownSignals): serve needs its grace period, not the parser's timeout.
            ProcessTerminationTimeout = null,
        };
        return await parsed.InvokeAsync(configuration, stop);
    }
}
