using System.Diagnostics.Metrics;
using Inetkit.Scanning.Internal;

namespace Inetkit.Metrics;

/// <summary>
/// What the runtime's own "System.Runtime" meter does not say about the process: its open file descriptors and
/// their limit (the cap that turns into EMFILE and a paused accept loop). Read from /proc when a scrape asks, so
/// they cost nothing in between; elsewhere than Linux they are not reported.
/// </summary>
internal static class ProcessMetrics
{
    private static int s_created;

    /// <summary>Creates the instruments, once per process.</summary>
    public static void Ensure()
    {
        if (Interlocked.Exchange(ref s_created, 1) != 0)
        {
            return;
        }
        InetkitMeter.Meter.CreateObservableGauge("inetkit.process.open_descriptors", OpenDescriptors, "{descriptor}", "File descriptors the process holds open (/proc/self/fd): sockets, pipes to programs, files.");
        InetkitMeter.Meter.CreateObservableGauge("inetkit.process.max_descriptors", MaxDescriptors, "{descriptor}", "The soft limit on open file descriptors (ulimit -n); beyond it accept pauses.");
    }

    private static IEnumerable<Measurement<long>> OpenDescriptors()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }
        try
        {
            return [new Measurement<long>(Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount())];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc (a container without it): nothing to say, rather than a wrong number.
            return [];
        }
    }

    private static IEnumerable<Measurement<long>> MaxDescriptors()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }
        try
        {
            return DescriptorBudget.SoftLimit(File.ReadAllLines("/proc/self/limits")) is { } limit ? [new Measurement<long>(limit)] : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
