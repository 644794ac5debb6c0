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

    public ProxyStatistics Snapshot() => new()
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
