using System.Globalization;

namespace Inetkit.Scanning.Internal;

/// <summary>
/// How many sockets a scan may hold open at once without starving the rest of the process: the open-file limit,
/// less what is open already, less a reserve for the runtime (which, denied a descriptor, cannot even load code).
/// </summary>
internal static class DescriptorBudget
{
    private const int Reserve = 64;

    /// <summary>The probes in flight the limit allows, or null where it cannot be read (not Linux) or imposes nothing.</summary>
    public static int? Available()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            long? limit = SoftLimit(File.ReadAllLines("/proc/self/limits"));
            if (limit is null)
            {
                return null;
            }
            int open = Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
            return (int)Math.Clamp(limit.Value - open - Reserve, 1, int.MaxValue);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc: the scan still backs off on EMFILE, just later.
            return null;
        }
    }

    /// <summary>The soft "Max open files" of a /proc/PID/limits text, or null if unlimited or absent.</summary>
    internal static long? SoftLimit(IEnumerable<string> limits)
    {
        foreach (string line in limits)
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                string[] fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft) ? soft : null;
            }
        }
        return null;
    }
}
