using System.Diagnostics;

namespace Inetkit.Scanning.Internal;

/// <summary>
/// Spaces probes out: a global rate for all hosts, and for UDP beyond loopback the target's ICMP limit per host.
/// Each caller reserves the next free slot and sleeps until it (a GCRA schedule), so waiting probes neither spin nor
/// stampede when a slot opens.
/// </summary>
internal sealed class ScanPacer
{
    private readonly Schedule? _global;
    private readonly Dictionary<int, Schedule>? _perHost;
    private readonly TimeProvider _time;

    public ScanPacer(double? rate, bool paceUdpHosts, TimeProvider time)
    {
        _time = time;
        _global = rate is > 0 ? new Schedule(rate.Value, Math.Max(1, Math.Min(rate.Value / 10, 100))) : null;
        _perHost = paceUdpHosts ? [] : null;
    }

    /// <summary>True when this pacer holds UDP probes to a non-loopback host to its ICMP limit.</summary>
    public bool PacesUdpHosts => _perHost is not null;

    public async ValueTask WaitAsync(int host, bool udpBeyondLoopback, CancellationToken cancellationToken)
    {
        long now = _time.GetTimestamp();
        long due = Reserve(host, udpBeyondLoopback, now);
        if (due > now)
        {
            await Task.Delay(_time.GetElapsedTime(now, due), _time, cancellationToken);
        }
    }

    /// <summary>Reserves the next slot for a probe and returns when it is due (at or before <paramref name="now"/>: at once).</summary>
    public long Reserve(int host, bool udpBeyondLoopback, long now)
    {
        long due = now;
        if (_global is not null)
        {
            lock (_global)
            {
                due = Math.Max(due, _global.Reserve(now, _time.TimestampFrequency));
            }
        }
        if (udpBeyondLoopback && _perHost is not null)
        {
            lock (_perHost)
            {
                if (!_perHost.TryGetValue(host, out Schedule? schedule))
                {
                    _perHost[host] = schedule = new Schedule(1, ScanOptions.IcmpBurst);
                }
                due = Math.Max(due, schedule.Reserve(now, _time.TimestampFrequency));
            }
        }
        return due;
    }

    /// <summary>True when probes are paced at all (a rate, or ICMP pacing).</summary>
    public bool Paces => _global is not null || _perHost is not null;

    /// <summary>A rate with a burst: the theoretical time of the next slot, never further behind now than the burst allows.</summary>
    private sealed class Schedule(double rate, double burst)
    {
        private long _next = long.MinValue;

        public long Reserve(long now, long frequency)
        {
            long interval = (long)(frequency / rate);
            long earliest = now - (long)((burst - 1) * interval);
            long slot = Math.Max(_next, earliest);
            _next = slot + interval;
            Debug.Assert(_next > slot);
            return slot;
        }
    }
}
