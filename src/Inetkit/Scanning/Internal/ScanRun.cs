namespace Inetkit.Scanning.Internal;

/// <summary>The shared state of one scan.</summary>
internal sealed class ScanRun(ScanPlan plan, HostReport[] hosts, ScanPacer pacer, int concurrency, DateTimeOffset started, long startedAt, CancellationToken cancellation)
{
    private readonly Lock _gate = new();
    private readonly List<string> _notices = [];
    private long _next = -1;
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

    public bool TryTake(out Probe probe)
    {
        while (!Cancellation.IsCancellationRequested)
        {
            long position = Interlocked.Increment(ref _next);
            if (position >= Plan.Positions)
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
