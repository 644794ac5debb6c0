using Inetkit.Protocol;

namespace Inetkit.Scanning.Internal;

/// <summary>The shared state of one scan.</summary>
internal sealed class ScanRun(ScanPlan plan, HostReport[] hosts, ScanPacer pacer, int concurrency, DateTimeOffset started, long startedAt, CancellationToken cancellation)
{
    private readonly Lock _gate = new();
    private readonly List<string> _notices = [];
    // Two cursors: TCP positions come first in the plan, UDP after them, so that a SYN engine and UDP lanes can take
    // their own protocol's probes side by side (-sS -sU); everyone else takes TCP first, then UDP, as before.
    private long _nextTcp = -1;
    private long _nextUdp = ((long)plan.Hosts.Count * plan.TcpPorts.Count) - 1;
    private long _done;
    private long _probes;
    private int _open;
    private int _allowedLanes = concurrency;
    private int _shortages;
    private long _lastLowered;

    public ScanPlan Plan { get; } = plan;

    public ScanPacer Pacer { get; } = pacer;

    public CancellationToken Cancellation { get; } = cancellation;

    public DateTimeOffset Started { get; } = started;

    public int AllowedLanes => Volatile.Read(ref _allowedLanes);

    public long ProbesSent => Interlocked.Read(ref _probes);

    public bool IsComplete => Interlocked.Read(ref _done) == Plan.Positions;

    public IReadOnlyList<string> Notices
    {
        get
        {
            lock (_gate)
            {
                var notices = new List<string>(_notices);
                if (_shortages > 0)
                {
                    notices.Add($"Ran out of file descriptors or local ports {_shortages:N0} times: probes waited and were tried again, and the scan slowed to {AllowedLanes:N0} in flight. No port was marked filtered for it.");
                }
                return notices;
            }
        }
    }

    public bool TryTake(out Probe probe) => TryTake(Transport.Tcp, out probe) || TryTake(Transport.Udp, out probe);

    /// <summary>The next probe of <paramref name="protocol"/> in this shard, or false when there is none left.</summary>
    public bool TryTake(Transport protocol, out Probe probe)
    {
        long end = protocol == Transport.Tcp ? (long)Plan.Hosts.Count * Plan.TcpPorts.Count : Plan.Positions;
        ref long cursor = ref protocol == Transport.Tcp ? ref _nextTcp : ref _nextUdp;
        while (!Cancellation.IsCancellationRequested)
        {
            long position = Interlocked.Increment(ref cursor);
            if (position >= end)
            {
                break;
            }
            if (Plan.TryGet(position, out probe))
            {
                return true;
            }
            Interlocked.Increment(ref _done);
        }
        probe = default;
        return false;
    }

    public void CountProbe() => Interlocked.Increment(ref _probes);

    public void Record(int host, PortResult result, DateTimeOffset at)
    {
        hosts[host].Add(result, at);
        if (result.State == PortState.Open)
        {
            Interlocked.Increment(ref _open);
        }
        Interlocked.Increment(ref _done);
    }

    /// <summary>Lowers the concurrency by a quarter, at most every 100 ms, never below one.</summary>
    public void OnResourceShortage(TimeProvider time)
    {
        lock (_gate)
        {
            _shortages++;
            long now = time.GetTimestamp();
            if (_lastLowered == 0 || time.GetElapsedTime(_lastLowered, now) > TimeSpan.FromMilliseconds(100))
            {
                _lastLowered = now;
                Volatile.Write(ref _allowedLanes, Math.Max(1, _allowedLanes * 3 / 4));
            }
        }
    }

    public ScanProgress Progress(TimeProvider time) => new(
        Math.Min(Interlocked.Read(ref _done), Plan.Positions), Plan.Positions, Volatile.Read(ref _open), ProbesSent, time.GetElapsedTime(startedAt));
}
