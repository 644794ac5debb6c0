namespace Inetkit.Scanning;

/// <summary>A port's state, in nmap's words.</summary>
public enum PortState
{
    /// <summary>TCP: the connect completed. UDP: something answered.</summary>
    Open,
    /// <summary>TCP: refused (RST). UDP: ICMP port unreachable.</summary>
    Closed,
    /// <summary>TCP: no answer within the timeout, or ICMP unreachable (host, network, prohibited).</summary>
    Filtered,
    /// <summary>UDP: silence after every retry: open and quiet, or filtered.</summary>
    OpenFiltered,
}

/// <summary>nmap's spelling of each state.</summary>
public static class PortStates
{
    /// <summary>open, closed, filtered, open|filtered.</summary>
    public static string Name(this PortState state) => state switch
    {
        PortState.Open => "open",
        PortState.Closed => "closed",
        PortState.Filtered => "filtered",
        PortState.OpenFiltered => "open|filtered",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };
}

/// <summary>
/// One probed port: its state, why (nmap's reason words: syn-ack, conn-refused, no-response, port-unreach,
/// udp-response, host-unreach...), and what the service said first when a banner was asked for.
/// </summary>
public sealed record PortResult(System.Net.IPAddress Address, Protocol.Transport Protocol, int Port, PortState State, string Reason)
{
    /// <summary>What the service sent first, made printable; null when not asked for or nothing came.</summary>
    public string? Banner { get; init; }
}
