using System.CommandLine;
using System.Reflection;

namespace Inetkit.Fuzz;

/// <summary>
/// inetkit's command lines, parsed and validated (option range checks, port, target, shard and format checks) as
/// inetkit parses them, but never invoked: no command runs, so nothing touches the network. The input is a
/// response file, read through <c>@FILE</c>: a command line's own arguments can hold no NUL, a file can.
/// </summary>
internal static class CliTarget
{
    private static readonly Lazy<(RootCommand Root, ParserConfiguration Configuration)> Parser = new(Build);

    private static readonly string ResponseFile = Path.Combine(Path.GetTempPath(), $"inetkit-fuzz-cli-{Environment.ProcessId}.rsp");

    public static void Parse(byte[] data)
    {
        // A nested @NAME is read from disk: names that could leave the empty working directory run.sh gives the
        // harness (a device, /proc) are not fuzzed.
        if (data.Contains((byte)'@') && data.Contains((byte)'/'))
        {
            return;
        }
        File.WriteAllBytes(ResponseFile, data);
        (RootCommand root, ParserConfiguration configuration) = Parser.Value;
        _ = root.Parse(["@" + ResponseFile], configuration).Errors.Count;
    }

    // InetkitCli, CliConsole and ResponseFiles are internal to the command, whose InternalsVisibleTo list the
    // harness is not on.
    private static (RootCommand, ParserConfiguration) Build()
    {
        Assembly cli = Assembly.Load("inetkit");
        Type console = cli.GetType("Inetkit.Cli.CliConsole", throwOnError: true)!;
        object captured = console.GetMethod("Captured")!.Invoke(null, [TextWriter.Null, TextWriter.Null, null])!;
        MethodInfo build = cli.GetType("Inetkit.Cli.InetkitCli", throwOnError: true)!.GetMethod("Build")!;
        var root = (RootCommand)build.Invoke(null, [captured, CancellationToken.None, null])!;
        PropertyInfo configuration = cli.GetType("Inetkit.Cli.ResponseFiles", throwOnError: true)!.GetProperty("Configuration")!;
        return (root, (ParserConfiguration)configuration.GetValue(null)!);
    }
}
