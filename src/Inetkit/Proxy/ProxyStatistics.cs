namespace Inetkit.Proxy;

/// <summary>What a proxy has relayed so far; a snapshot, safe to read while it runs.</summary>
public sealed record ProxyStatistics
{
    /// <summary>TCP connections relayed (accepted and connected through).</summary>
    public long Connections { get; init; }

    /// <summary>TCP clients refused: the target refused or did not answer, or the connection cap was reached.</summary>
    public long ConnectionsRefused { get; init; }

    /// <summary>Bytes from clients to the server (TCP and UDP).</summary>
    public long BytesUp { get; init; }

    /// <summary>Bytes from the server to clients (TCP and UDP).</summary>
    public long BytesDown { get; init; }

    /// <summary>Datagrams relayed toward the server.</summary>
    public long DatagramsUp { get; init; }

    /// <summary>Datagrams relayed toward clients.</summary>
    public long DatagramsDown { get; init; }

    /// <summary>UDP sessions opened.</summary>
    public long Sessions { get; init; }

    /// <summary>UDP sessions ended by <see cref="InetProxyOptions.UdpIdle"/>.</summary>
    public long SessionsExpired { get; init; }

    /// <summary>Datagrams dropped because <see cref="InetProxyOptions.MaxSessions"/> sessions were open and theirs was not one.</summary>
    public long DatagramsDroppedNoSession { get; init; }

    /// <summary>What the impairment did: datagrams lost, duplicated, reordered, delayed, corrupted, dropped by the rate.</summary>
    public Impairment.ImpairmentCounters Impairment { get; init; }

    /// <summary>Datagrams dropped by the source guards (a source port below 1024, a rate limit, a spoofed-looking source).</summary>
    public long DatagramsDroppedBySource { get; init; }
}
