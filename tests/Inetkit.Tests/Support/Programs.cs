using System.Net;
using Inetkit.Exec;
using Inetkit.Hosting;
using Inetkit.Protocol;

namespace Inetkit.Tests.Support;

/// <summary>
/// Programs written by a test, to be served as inetd serves them: in a directory every user may read, since a
/// server running as root runs them as nobody. And what /proc says about processes afterwards.
/// </summary>
internal sealed class Programs : IDisposable
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("inetkit-programs-");

    public Programs()
    {
        _directory.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    }

    public string Directory => _directory.FullName;

    /// <summary>Writes an executable script (with its #! line) and returns its path.</summary>
    public string Write(string name, string script)
    {
        string path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, script.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    /// <summary>A file the programs may write to (nobody included), for telling the test what they did.</summary>
    public string Scratch(string name)
    {
        string path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, "");
        File.SetUnixFileMode(path, (UnixFileMode)0x1B6); // rw-rw-rw-
        return path;
    }

    /// <summary>A server with one program service on free ports.</summary>
    public static Task<InetServer> ServeAsync(ExecProgram program, Transport transports = Transport.Tcp, Func<InetServerOptions, InetServerOptions>? configure = null, Action<string>? trace = null, string name = "prog")
    {
        var options = new InetServerOptions
        {
            Definitions = [new ServiceDefinition { Name = name, Kind = ServiceKind.Exec, Program = program, Port = 0, Transports = transports }],
            BindAddresses = [IPAddress.Loopback],
            Trace = trace,
        };
        return InetServer.StartAsync(configure is null ? options : configure(options), TestContext.Current.CancellationToken);
    }

    /// <summary>Whether the process is gone: no such pid, or a zombie whose parent (pid 1 here, which may never reap) is not us.</summary>
    public static bool IsGone(int pid)
    {
        string? stat = ReadStat(pid);
        return stat is null || (State(stat) == 'Z' && ParentOf(stat) != Environment.ProcessId);
    }

    /// <summary>Waits, under the test's token, until the process is gone: observing a real process, not timing it.</summary>
    public static async Task WaitGoneAsync(int pid, CancellationToken cancellationToken)
    {
        while (!IsGone(pid))
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Our children that have exited and were not reaped.</summary>
    public static List<int> OurZombies()
    {
        var zombies = new List<int>();
        foreach (string dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid) && ReadStat(pid) is { } stat && State(stat) == 'Z' && ParentOf(stat) == Environment.ProcessId)
            {
                zombies.Add(pid);
            }
        }
        return zombies;
    }

    /// <summary>The processes whose parent is <paramref name="parent"/>.</summary>
    public static List<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (string dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid) && ReadStat(pid) is { } stat && ParentOf(stat) == parent && State(stat) != 'Z')
            {
                children.Add(pid);
            }
        }
        return children;
    }

    /// <summary>The process's command line, its arguments joined by spaces; empty once it is gone.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>Bytes the process has written, all descriptors together (/proc/PID/io's wchar).</summary>
    public static long BytesWritten(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/io"))
        {
            if (line.StartsWith("wchar:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    /// <summary>The system call the process is blocked in (/proc/PID/syscall's first field), or -1 when it runs.</summary>
    public static int BlockedIn(int pid)
    {
        try
        {
            string text = File.ReadAllText($"/proc/{pid}/syscall").Trim();
            return text == "running" ? -1 : int.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static string? ReadStat(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // After the ")" that closes the command name: " S ppid ...".
    private static char State(string stat) => stat[stat.LastIndexOf(')') + 2];

    private static int ParentOf(string stat) => int.Parse(stat[(stat.LastIndexOf(')') + 4)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A program still running keeps its directory busy on some systems; the temp dir is swept anyway.
        }
    }
}
