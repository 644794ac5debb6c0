using Inetkit.Protocol;

namespace Inetkit.Scanning;

/// <summary>
/// Every (host, protocol, port) a scan probes, in the order it probes them: port by port across all hosts, so that
/// no one host takes a burst while the others wait; TCP first, then UDP. A shard keeps its share and skips the rest.
/// </summary>
public sealed class ScanPlan
{
    /// <summary>Creates a plan.</summary>
    /// <param name="hosts">The hosts, each once.</param>
    /// <param name="tcpPorts">TCP ports, ascending.</param>
    /// <param name="udpPorts">UDP ports, ascending.</param>
    /// <param name="shard">The share of the space to scan (default: all).</param>
    /// <param name="scope">The signed-off scope; needed by every host that is not loopback (<see cref="PortScanner"/> refuses otherwise).</param>
    public ScanPlan(IReadOnlyList<ScanHost> hosts, IReadOnlyList<int> tcpPorts, IReadOnlyList<int> udpPorts, ScanShard? shard = null, ScanScope? scope = null)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(tcpPorts);
        ArgumentNullException.ThrowIfNull(udpPorts);
        Hosts = hosts;
        TcpPorts = tcpPorts;
        UdpPorts = udpPorts;
        Shard = shard ?? ScanShard.All;
        Scope = scope;
    }

    /// <summary>The written authorization for hosts beyond loopback; null for loopback-only plans.</summary>
    public ScanScope? Scope { get; }

    /// <summary>The hosts, in the order they were given.</summary>
    public IReadOnlyList<ScanHost> Hosts { get; }

    /// <summary>TCP ports, ascending.</summary>
    public IReadOnlyList<int> TcpPorts { get; }

    /// <summary>UDP ports, ascending.</summary>
    public IReadOnlyList<int> UdpPorts { get; }

    /// <summary>How TCP ports are probed: a full connect (the default) or a SYN scan from a raw socket.</summary>
    public TcpScanType TcpScan { get; init; }

    /// <summary>Which share of the space this scan takes.</summary>
    public ScanShard Shard { get; }

    /// <summary>Positions in the whole space (before the shard skips its others' share).</summary>
    public long Positions => (long)Hosts.Count * (TcpPorts.Count + UdpPorts.Count);

    /// <summary>True if every host is loopback.</summary>
    public bool IsLoopbackOnly => Hosts.All(h => h.IsLoopback);

    /// <summary>The probe at <paramref name="position"/>, or false if it belongs to another shard.</summary>
    internal bool TryGet(long position, out Probe probe)
    {
        int hostIndex = (int)(position % Hosts.Count);
        long portIndex = position / Hosts.Count;
        (Transport protocol, int port) = portIndex < TcpPorts.Count
            ? (Transport.Tcp, TcpPorts[(int)portIndex])
            : (Transport.Udp, UdpPorts[(int)(portIndex - TcpPorts.Count)]);
        probe = new Probe(hostIndex, protocol, port, 0);
        return Shard.Includes(Hosts[hostIndex].Address, protocol, port);
    }
}

/// <summary>How a scan probes TCP ports, named as nmap's XML names them (<c>scaninfo type</c>).</summary>
public enum TcpScanType
{
    /// <summary>connect(): no privilege needed (nmap -sT).</summary>
    Connect,

    /// <summary>A SYN from a raw socket, never completing the handshake: Linux, root or CAP_NET_RAW (nmap -sS).</summary>
    Syn,
}

/// <summary>nmap's word for each scan type.</summary>
public static class TcpScanTypes
{
    /// <summary>connect or syn.</summary>
    public static string Name(this TcpScanType type) => type == TcpScanType.Syn ? "syn" : "connect";
}

/// <summary>One probe to send: which host (by index in the plan), protocol, port, and how many tries came before.</summary>
internal readonly record struct Probe(int Host, Transport Protocol, int Port, int Attempt);
