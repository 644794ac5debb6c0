namespace Inetkit.Hosting.Internal;

/// <summary>The server's counters, updated with interlocked operations from every loop.</summary>
internal sealed class Counters
{
    private readonly long[] _dropped = new long[Enum.GetValues<UdpVerdict>().Length];
    private readonly long[] _refusedBy = new long[Enum.GetValues<RefusalReason>().Length];
    private long _accepted;
    private long _refused;
    private long _open;
    private long _timedOut;
    private long _received;
    private long _answered;

    public void Accepted() => Interlocked.Increment(ref _accepted);

    public void Refused(RefusalReason reason)
    {
        Interlocked.Increment(ref _refused);
        Interlocked.Increment(ref _refusedBy[(int)reason]);
    }

    public void Opened() => Interlocked.Increment(ref _open);

    public void Closed() => Interlocked.Decrement(ref _open);

    public void TimedOut() => Interlocked.Increment(ref _timedOut);

    public void Received() => Interlocked.Increment(ref _received);

    public void Answered() => Interlocked.Increment(ref _answered);

    public void Dropped(UdpVerdict verdict) => Interlocked.Increment(ref _dropped[(int)verdict]);

    public InetServerStatistics Snapshot()
    {
        var dropped = new Dictionary<UdpVerdict, long>();
        foreach (UdpVerdict verdict in Enum.GetValues<UdpVerdict>())
        {
            if (verdict != UdpVerdict.Accept)
            {
                dropped[verdict] = Interlocked.Read(ref _dropped[(int)verdict]);
            }
        }
        var refused = new Dictionary<RefusalReason, long>();
        foreach (RefusalReason reason in Enum.GetValues<RefusalReason>())
        {
            refused[reason] = Interlocked.Read(ref _refusedBy[(int)reason]);
        }
        return new InetServerStatistics(
            Interlocked.Read(ref _accepted), Interlocked.Read(ref _refused), Interlocked.Read(ref _open),
            Interlocked.Read(ref _timedOut), Interlocked.Read(ref _received), Interlocked.Read(ref _answered), dropped)
        {
            ConnectionsRefusedBy = refused,
        };
    }
}
