using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// Lets one log line through per interval and counts the rest, so that a flood of bad packets costs a line
/// every few seconds ("... and 41,207 more like it") instead of a line per packet.
/// </summary>
internal sealed class LogThrottle(ILogger logger, TimeProvider clock, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private long _nextAllowed;
    private long _suppressed;

    public void Log(LogLevel level, string message)
    {
        if (!logger.IsEnabled(level))
        {
            return;
        }
        long suppressed;
        lock (_lock)
        {
            long now = clock.GetTimestamp();
            if (now < _nextAllowed)
            {
                _suppressed++;
                return;
            }
            _nextAllowed = now + (long)(interval.TotalSeconds * clock.TimestampFrequency);
            suppressed = _suppressed;
            _suppressed = 0;
        }
#pragma warning disable CA1848, CA2254 // Messages here are built per event class; the template is the message.
        logger.Log(level, suppressed == 0 ? message : $"{message} (and {suppressed:N0} more since the last report)");
#pragma warning restore CA1848, CA2254
    }
}
