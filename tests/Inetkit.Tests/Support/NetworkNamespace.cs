using System.Diagnostics;

namespace Inetkit.Tests.Support;

/// <summary>
/// Runs a bash script in an empty network namespace of its own (<c>unshare -n</c>): only its own lo exists there,
/// so whatever the script sends, to whatever address, cannot leave the machine. Needs root and unshare.
/// </summary>
internal static class NetworkNamespace
{
    public static bool Available => Environment.UserName == "root" && File.Exists("/usr/bin/unshare") && File.Exists("/usr/bin/python3");

    public const string Unavailable = "needs root, unshare and python3";

    /// <summary>Writes the script into <paramref name="work"/>, runs it with the arguments and asserts it exits 0.</summary>
    public static async Task RunAsync(string script, string work, CancellationToken cancellationToken, params string[] arguments)
    {
        string path = Path.Combine(work, "namespace.sh");
        await File.WriteAllTextAsync(path, script, cancellationToken);
        var info = new ProcessStartInfo("unshare", ["-n", "bash", path, .. arguments]) { RedirectStandardError = true, UseShellExecute = false };
        using Process run = Process.Start(info)!;
        string error = await run.StandardError.ReadToEndAsync(cancellationToken);
        await run.WaitForExitAsync(cancellationToken);
        Assert.True(run.ExitCode == 0, $"the namespace script failed ({run.ExitCode}): {error}");
    }

    /// <summary>The inetkit command as a script's first two arguments: the dotnet host and the dll.</summary>
    public static string[] Inetkit => ["dotnet", Path.Combine(AppContext.BaseDirectory, "inetkit.dll")];
}
