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

/// <summary>One probed port: its state and why (nmap's reason words: syn-ack, conn-refused, no-response...).</summary>
public sealed record PortResult(System.Net.IPAddress Address, Protocol.Transport Protocol, int Port, PortState State, string Reason);
