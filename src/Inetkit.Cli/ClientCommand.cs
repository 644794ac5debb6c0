using System.Text.Json;
using Inetkit.Clients;

namespace Inetkit.Cli;

/// <summary>What every client command does alike: run, turn a failure into one line and an exit code, print.</summary>
internal static class ClientCommand
{
    /// <summary>Runs a client action and turns its failure into one line and an exit code.</summary>
    public static async Task<int> RunAsync(CliConsole console, Func<Task> action)
    {
        try
        {
            await action();
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, console.Error);
        }
    }

    public static Utf8JsonWriter Common(Utf8JsonWriter writer, System.Net.IPEndPoint server, ClientOptions options, long bytes)
    {
        writer.WriteString("server", server.ToString());
        writer.WriteString("transport", ClientArguments.TransportName(options));
        writer.WriteNumber("bytes", bytes);
        return writer;
    }

    /// <summary>Text as received, with a line end added only if it lacks one.</summary>
    public static async Task WriteTextAsync(TextWriter output, string text)
    {
        await output.WriteAsync(text.EndsWith('\n') ? text.Replace("\r\n", "\n", StringComparison.Ordinal) : text + "\n");
    }
}
