namespace Inetkit.Tests.Exec;

/// <summary>What /proc says about other processes.</summary>
internal static class Processes
{
    /// <summary>The state letter of /proc/PID/stat (R, S, Z...), or null when there is no such process.</summary>
    public static char? State(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null; // gone (FileNotFoundException, or ESRCH while reading)
        }
        // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
        return stat[stat.LastIndexOf(')') + 2];
    }

    /// <summary>
    /// Polls until <paramref name="pid"/> is gone or a zombie: pid 1 in a container need not reap orphans, and a
    /// zombie has died all the same. An observation of a real process, bounded by the test's token.
    /// </summary>
    public static async Task WaitUntilGoneAsync(int pid, CancellationToken cancellationToken)
    {
        while (State(pid) is char state && state != 'Z')
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Pids of our own children that are zombies: exited and not reaped.</summary>
    public static IEnumerable<int> OurZombies()
    {
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            string[] after = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (after[0] == "Z" && int.Parse(after[1]) == Environment.ProcessId)
            {
                yield return pid;
            }
        }
    }
}
