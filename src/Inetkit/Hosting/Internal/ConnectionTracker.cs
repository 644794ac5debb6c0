using System.Collections.Concurrent;
using System.Net;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// The open TCP connections: admission against the global and per-source caps, the idle timeout (one timer
/// scans all connections, so an idle connection costs no timer of its own; the same scan reports the bytes of long
/// connections to the metrics), and abort at shutdown.
/// </summary>
internal sealed class ConnectionTracker : IDisposable
{
    private readonly ConcurrentDictionary<long, TrackedConnection> _open = new();
    private readonly Dictionary<IPAddress, int> _perSource = [];
    private readonly Lock _lock = new();
    private int _max;
    private int? _maxPerSource;
    private readonly TimeProvider _clock;
    private readonly ITimer _idleTimer;
    private readonly Counters _counters;
    private int _count;
    private int _lingering;

    /// <summary>The longest wait between scans: how late a long connection's bytes may reach the metrics.</summary>
    private static readonly TimeSpan MaxScanPeriod = TimeSpan.FromSeconds(5);

    // shortestIdleTimeout: the shortest of any service's, which sets how often idle connections are looked for.
    public ConnectionTracker(int max, int? maxPerSource, TimeSpan shortestIdleTimeout, TimeProvider clock, Counters counters)
    {
        _max = max;
        _maxPerSource = maxPerSource;
        _clock = clock;
        _counters = counters;
        // A quarter of the timeout between scans closes an idle connection at most 25% late; with none, the scan still
        // runs every 5 s, for the bytes.
        TimeSpan period = shortestIdleTimeout == Timeout.InfiniteTimeSpan
            ? MaxScanPeriod
            : TimeSpan.FromTicks(Math.Clamp(shortestIdleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, MaxScanPeriod.Ticks));
        _idleTimer = clock.CreateTimer(_ => Scan(), null, period, period);
    }

    /// <summary>Counts the connection in if the server's caps and the service's own allow; otherwise says which cap refused it.</summary>
    public bool TryAdmit(IPAddress source, ServiceCaps? service, string serviceName, out string? refusal, out RefusalReason reason)
    {
        lock (_lock)
        {
            reason = default;
            if (_count >= _max)
            {
                refusal = $"connection limit reached ({_max:N0} open)";
                reason = RefusalReason.ConnectionLimit;
                return false;
            }
            int? cap = _maxPerSource ?? (IPAddress.IsLoopback(source) ? null : InetServerOptions.DefaultMaxConnectionsPerSource);
            _perSource.TryGetValue(source, out int fromSource);
            if (fromSource >= cap)
            {
                refusal = $"per-source limit reached ({cap:N0} open from {source})";
                reason = RefusalReason.PerSourceLimit;
                return false;
            }
            if (service?.Refusal(source, serviceName) is { } full)
            {
                refusal = full;
                reason = service.Count >= service.Max ? RefusalReason.ServiceLimit : RefusalReason.ServicePerSourceLimit;
                return false;
            }
            service?.Add(source);
            _perSource[source] = fromSource + 1;
            _count++;
        }
        refusal = null;
        return true;
    }

    /// <summary>As <see cref="TryAdmit(IPAddress, ServiceCaps?, string, out string?, out RefusalReason)"/> with no caps of the service's own.</summary>
    public bool TryAdmit(IPAddress source, out string? refusal) => TryAdmit(source, null, "", out refusal, out _);

    public void Track(long id, TrackedConnection connection) => _open[id] = connection;

    /// <summary>New caps for the clients to come (a reload); open connections keep their places.</summary>
    public void SetCaps(int max, int? maxPerSource)
    {
        lock (_lock)
        {
            _max = max;
            _maxPerSource = maxPerSource;
        }
    }

    /// <summary>An idle timeout in the clock's ticks, as <see cref="TrackedConnection.IdleTicks"/> holds it.</summary>
    public long IdleTicks(TimeSpan idleTimeout) => idleTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : (long)(idleTimeout.TotalSeconds * _clock.TimestampFrequency);

    /// <summary>
    /// The connection's exchange is over: its admission goes back to the caps now, since what remains is only its
    /// lingering close. True if it may linger; false if as many connections already linger as the cap allows open,
    /// and it must close at once (so that lingering never holds more than twice the cap in descriptors).
    /// </summary>
    public bool ExchangeDone(TrackedConnection connection, IPAddress source)
    {
        Unadmit(source, connection.Caps);
        connection.ExchangeDone = true;
        lock (_lock)
        {
            if (_lingering < _max)
            {
                _lingering++;
                connection.Lingering = true;
            }
        }
        return connection.Lingering;
    }

    public void Release(long id, IPAddress source, TrackedConnection connection)
    {
        _open.TryRemove(id, out _);
        if (!connection.ExchangeDone)
        {
            Unadmit(source, connection.Caps);
        }
        else if (connection.Lingering)
        {
            lock (_lock)
            {
                _lingering--;
            }
        }
    }

    /// <summary>Gives back an admission that never became a tracked connection.</summary>
    public void Unadmit(IPAddress source, ServiceCaps? service = null)
    {
        lock (_lock)
        {
            service?.Remove(source);
            _count--;
            if (_perSource.TryGetValue(source, out int n) && n > 1)
            {
                _perSource[source] = n - 1;
            }
            else
            {
                _perSource.Remove(source);
            }
        }
    }

    /// <summary>Waits for every tracked connection to end, or for the timeout.</summary>
    public async Task<bool> WaitAllAsync(TimeSpan timeout)
    {
        Task all = Task.WhenAll(_open.Values.Select(c => c.Completion));
        try
        {
            // Real time, not the injected clock: the grace is for the operator, and a test's frozen clock must not hang a stop.
            await all.WaitAsync(timeout, TimeProvider.System);
            return _open.IsEmpty;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public void AbortAll()
    {
        foreach (TrackedConnection connection in _open.Values)
        {
            connection.Abort();
        }
    }

    /// <summary>Closes the idle connections, and reports what the others moved since the last scan.</summary>
    private void Scan()
    {
        long now = _clock.GetTimestamp();
        foreach (TrackedConnection connection in _open.Values)
        {
            if (now - connection.LastActivity >= connection.IdleTicks && connection.Abort())
            {
                _counters.TimedOut();
            }
            connection.ReportBytes(connection.Activity.BytesRead, connection.Activity.BytesWritten);
        }
    }

    public void Dispose() => _idleTimer.Dispose();
}

/// <summary>What the tracker reads of a connection's traffic: when a byte last moved, and how many so far.</summary>
internal interface IConnectionActivity
{
    /// <summary>When a byte last moved (or the connection was accepted), in <see cref="TimeProvider"/> ticks.</summary>
    long LastActivity { get; }

    /// <summary>Bytes read from the client so far.</summary>
    long BytesRead { get; }

    /// <summary>Bytes written to the client so far.</summary>
    long BytesWritten { get; }
}

/// <summary>What the tracker needs of a connection: its activity, a way to end it (called once, from any thread), and when it has ended.</summary>
internal sealed class TrackedConnection(IConnectionActivity activity, Action abort)
{
    /// <summary>The service's own caps it was admitted under, given back with it.</summary>
    public ServiceCaps? Caps { get; init; }

    /// <summary>Its service's counts, where its bytes go (<see cref="ReportBytes"/>).</summary>
    public ServiceMetrics? Metrics { get; init; }

    private long _reportedIn;
    private long _reportedOut;

    /// <summary>
    /// Adds to its service's byte counts what it moved since the last report (the tracker's scan, then the close,
    /// each with the totals so far; a total behind one already reported adds nothing, so nothing is counted twice).
    /// </summary>
    public void ReportBytes(long bytesIn, long bytesOut) => Metrics?.TcpBytes(Advance(ref _reportedIn, bytesIn), Advance(ref _reportedOut, bytesOut));

    private static long Advance(ref long reported, long total)
    {
        while (true)
        {
            long before = Volatile.Read(ref reported);
            if (total <= before)
            {
                return 0;
            }
            if (Interlocked.CompareExchange(ref reported, total, before) == before)
            {
                return total - before;
            }
        }
    }

    /// <summary>Its service's idle timeout in clock ticks; <see cref="long.MaxValue"/> for none.</summary>
    public long IdleTicks { get; init; } = long.MaxValue;

    /// <summary>Where activity is read when the stream does not see the bytes (a program's own socket); else the stream's.</summary>
    public Func<long>? ActivityProbe { get; set; }

    public long LastActivity => ActivityProbe?.Invoke() ?? activity.LastActivity;

    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IConnectionActivity Activity => activity;

    public Task Completion => _completion.Task;

    public bool Aborted { get; private set; }

    /// <summary>The service is done with it; its admission is back (set and read by the connection's own flow).</summary>
    public bool ExchangeDone { get; set; }

    /// <summary>It waits for the client's FIN, counted among the lingering.</summary>
    public bool Lingering { get; set; }

    /// <summary>Cancels the connection's work; true the first time.</summary>
    public bool Abort()
    {
        lock (_completion)
        {
            if (Aborted || _completion.Task.IsCompleted)
            {
                return false;
            }
            Aborted = true;
        }
        try
        {
            abort();
        }
        catch (ObjectDisposedException)
        {
            // Ended between the check and the cancel: nothing left to abort.
        }
        return true;
    }

    public void Completed()
    {
        lock (_completion)
        {
            _completion.TrySetResult();
        }
    }
}
