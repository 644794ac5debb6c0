using System.CommandLine;
using System.Net;
using Inetkit.Demo;
using Inetkit.Demo.Web;
using Inetkit.Scanning;

namespace Inetkit.Cli;

/// <summary>
/// <c>inetkit demo --web [EXAMPLE] [--listen ADDR:PORT]</c>: serves the demo's page on loopback, prints its URL and
/// serves until Ctrl+C or SIGTERM. The page runs the examples themselves, so the options that shape the terminal's
/// drawing or send the client elsewhere have no place here.
/// </summary>
internal static class DemoWebCommand
{
    /// <summary>The options that do not go with <c>--web</c>, when given.</summary>
    public static void Refuse(ParseResult parsed, Option<string> format, Option<bool> step, Option<double> speed, Option<string?> server, Option<FileInfo?> scope)
    {
        if (parsed.GetValue(server) is not null || parsed.GetValue(scope) is not null)
        {
            throw new DemoInputException("--web runs Inetkit's own servers on loopback only; --server and --scope are for the terminal's demo");
        }
        foreach (Option option in new Option[] { format, step, speed })
        {
            if (parsed.GetResult(option) is { Implicit: false })
            {
                throw new DemoInputException($"{option.Name} shapes the terminal's drawing; the page has its own controls (leave out --web for the terminal)");
            }
        }
    }

    /// <summary><c>ADDR:PORT</c> on loopback; 127.0.0.1 and a free port when left out.</summary>
    public static IPEndPoint ParseListen(string? text)
    {
        if (text is null)
        {
            return new IPEndPoint(IPAddress.Loopback, 0);
        }
        if (!IPEndPoint.TryParse(text.Trim(), out IPEndPoint? at) || !text.Contains(':', StringComparison.Ordinal))
        {
            throw new DemoInputException($"--listen {text}: give ADDR:PORT, such as 127.0.0.1:8080 (port 0: a free one)");
        }
        if (!ScanScope.IsLoopback(at.Address))
        {
            throw new DemoInputException($"--listen {text}: the page is served on loopback only (127.0.0.1 or [::1])");
        }
        return at;
    }

    public static async Task<int> ServeAsync(IPEndPoint listen, DemoExample? preselected, CliConsole console, CancellationToken stop)
    {
        DemoWebServer server;
        try
        {
            server = await DemoWebServer.StartAsync(listen, cancellationToken: stop);
        }
        catch (IOException e)
        {
            await console.Error.WriteLineAsync($"inetkit: demo: --listen {listen}: {e.Message}");
            return ExitCodes.Failure;
        }
        await using (server)
        {
            string url = preselected is null ? server.Url.ToString() : $"{server.Url}?example={preselected.Name}";
            await console.Out.WriteLineAsync($"demo {url}");
            await console.Out.FlushAsync(CancellationToken.None);
            try
            {
                await Task.Delay(Timeout.Infinite, stop);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: the runs in progress end, and so does the page's server.
            }
        }
        return ExitCodes.Success;
    }
}
