namespace Inetkit.Impairment;

/// <summary>
/// Deadlines as a <see cref="TimeProvider"/>'s timestamps, so that the impairer's schedule (a chunk due at its
/// arrival plus the latency, the bandwidth's next free moment) is absolute: a wait that starts late does not push
/// everything after it back, and a test that advances a fake clock before the wait begins does not strand it.
/// </summary>
internal static class Timestamps
{
    /// <summary>The timestamp <paramref name="span"/> after <paramref name="timestamp"/>, without overflow for spans up to days at a nanosecond frequency.</summary>
    public static long Add(TimeProvider time, long timestamp, TimeSpan span)
    {
        long frequency = time.TimestampFrequency;
        long seconds = Math.DivRem(span.Ticks, TimeSpan.TicksPerSecond, out long rest);
        return timestamp + (seconds * frequency) + (rest * frequency / TimeSpan.TicksPerSecond);
    }

    /// <summary>Waits until the clock reaches <paramref name="due"/>; returns false when it already had (no wait).</summary>
    public static async ValueTask<bool> WaitUntilAsync(TimeProvider time, long due, CancellationToken cancellationToken)
    {
        bool waited = false;
        while (true)
        {
            long now = time.GetTimestamp();
            if (now >= due)
            {
                return waited;
            }
            waited = true;

            // Whole milliseconds, rounded up: Task.Delay's timers count in them, and a wait shorter than one would
            // complete at once, spinning this loop (for ever on a fake clock, which only moves when told to).
            TimeSpan remaining = time.GetElapsedTime(now, due);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), time, cancellationToken);
        }
    }
}
