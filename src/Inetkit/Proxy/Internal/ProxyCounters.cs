namespace Inetkit.Proxy.Internal;

/// <summary>The proxy's counters, updated with Interlocked from every relay.</summary>
internal sealed class ProxyCounters
{
    public long Connections;
    public long ConnectionsRefused;
    public long BytesUp;
    public long BytesDown;
    public long DatagramsUp;
    public long DatagramsDown;
    public long Sessions;
    public long SessionsExpired;
    public long DroppedNoSession;
    public long DroppedBySource;
    private readonly Lock _impairmentLock = new();
    private Impairment.ImpairmentCounters _impairment;

    /// <summary>Adds what a retired impairment engine did.</summary>
    public void Add(Impairment.ImpairmentCounters c)
    {
        lock (_impairmentLock)
        {
            _impairment = Impairment.ImpairmentCounters.Sum(_impairment, c);
        }
    }


    public ProxyStatistics Snapshot(Impairment.ImpairmentCounters live)
    {
        Impairment.ImpairmentCounters impairment;
        lock (_impairmentLock)
        {
            impairment = Impairment.ImpairmentCounters.Sum(_impairment, live);
        }
        return Snapshot() with { Impairment = impairment };
    }

    private ProxyStatistics Snapshot() => new()
    {
        Connections = Interlocked.Read(ref Connections),
        ConnectionsRefused = Interlocked.Read(ref ConnectionsRefused),
        BytesUp = Interlocked.Read(ref BytesUp),
        BytesDown = Interlocked.Read(ref BytesDown),
        DatagramsUp = Interlocked.Read(ref DatagramsUp),
        DatagramsDown = Interlocked.Read(ref DatagramsDown),
        Sessions = Interlocked.Read(ref Sessions),
        SessionsExpired = Interlocked.Read(ref SessionsExpired),
        DatagramsDroppedNoSession = Interlocked.Read(ref DroppedNoSession),
        DatagramsDroppedBySource = Interlocked.Read(ref DroppedBySource),
    };
}
