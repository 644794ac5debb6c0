namespace Inetkit.Hosting;

/// <summary>Counters since start; a snapshot, safe to read while the server runs.</summary>
public sealed record InetServerStatistics(
    long ConnectionsAccepted,
    long ConnectionsRefused,
    long ConnectionsOpen,
    long ConnectionsTimedOut,
    long DatagramsReceived,
    long DatagramsAnswered,
    IReadOnlyDictionary<UdpVerdict, long> DatagramsDropped)
{
    /// <summary>What <c>--impair</c> did, per service: datagrams lost, duplicated, reordered, delayed, corrupted.</summary>
    public IReadOnlyDictionary<Protocol.ServiceKind, Impairment.ImpairmentCounters> Impairment { get; init; } = new Dictionary<Protocol.ServiceKind, Impairment.ImpairmentCounters>();

    /// <summary>TCP clients closed at once, by why (<see cref="ConnectionsRefused"/> is their sum).</summary>
    public IReadOnlyDictionary<RefusalReason, long> ConnectionsRefusedBy { get; init; } = new Dictionary<RefusalReason, long>();

    /// <summary>All dropped datagrams, whatever the reason.</summary>
    public long TotalDatagramsDropped => DatagramsDropped.Values.Sum();
}
