using System.Diagnostics;
using System.Globalization;

namespace Inetkit.Tests.Support;

/// <summary>nmap and ndiff, the reference for Inetkit's XML (.ci/run installs them), and a check that low ports are closed here.</summary>
internal static class NmapTools
{
    /// <summary>The two programs' paths; skips the test when either is missing.</summary>
    public static (string Nmap, string Ndiff) Require()
    {
        string? nmap = Find("nmap"), ndiff = Find("ndiff");
        Assert.SkipWhen(nmap is null || ndiff is null, "nmap or ndiff is not installed (apt-get install nmap ndiff; .ci/run does)");
        return (nmap!, ndiff!);
    }

    /// <summary>ndiff's verdict on two XML reports: exit 0 and nothing to say when they agree.</summary>
    public static async Task AssertNoDifferenceAsync(string ndiff, string a, string b, CancellationToken cancellationToken)
    {
        var (code, differences, error) = await RunAsync(ndiff, [a, b], cancellationToken);
        Assert.True(code == 0, $"ndiff exit {code}: {differences}{error}");
    }

    /// <summary>Skips unless nothing has ports 1-<paramref name="last"/> (a TCP listener, or any UDP socket), so that they are closed for every scan.</summary>
    public static void RequireNothingOn(string protocol, int last)
    {
        foreach (string table in new[] { protocol, protocol + "6" }.Select(t => $"/proc/net/{t}").Where(File.Exists))
        {
            foreach (string[] fields in File.ReadLines(table).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                int port = int.Parse(fields[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                bool listening = protocol == "udp" || fields[3] == "0A";
                Assert.SkipWhen(listening && port <= last, $"something has {protocol} port {port} open here; this test needs 1-{last} closed");
            }
        }
    }

    public static async Task<(int Code, string Out, string Err)> RunAsync(string program, string[] args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output, await error);
    }

    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
