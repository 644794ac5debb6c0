using System.Globalization;
using Inetkit.Text;

namespace Inetkit.Scanning;

/// <summary>
/// Ports to scan, in nmap's <c>-p</c> syntax: <c>22</c>, <c>1-1024,8080</c>, <c>-</c> (all of 1-65535, as in
/// <c>-p-</c>), open ranges (<c>-1024</c>, <c>60000-</c>), and protocol prefixes that hold until the next one
/// (<c>U:53,111,T:21-25,80</c>). Ports before any prefix go to every protocol being scanned.
/// </summary>
public sealed class PortSpec
{
    private PortSpec(int[] tcp, int[] udp)
    {
        Tcp = tcp;
        Udp = udp;
    }

    /// <summary>TCP ports, ascending, each once.</summary>
    public IReadOnlyList<int> Tcp { get; }

    /// <summary>UDP ports, ascending, each once.</summary>
    public IReadOnlyList<int> Udp { get; }

    /// <summary>Parses <paramref name="text"/>; unprefixed ports go to TCP, UDP or both as <paramref name="tcp"/> and <paramref name="udp"/> say.</summary>
    /// <exception cref="FormatException">An element that is not a port, a range or a prefix; the message names it.</exception>
    public static PortSpec Parse(string text, bool tcp = true, bool udp = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tcpPorts = new SortedSet<int>();
        var udpPorts = new SortedSet<int>();
        bool toTcp = tcp, toUdp = udp;
        string[] elements = text.Split(',', StringSplitOptions.TrimEntries);
        if (text.Trim().Length == 0)
        {
            throw new FormatException("the port list is empty");
        }
        foreach (string raw in elements)
        {
            string element = raw;
            if (element.Length >= 2 && element[1] == ':' && char.ToUpperInvariant(element[0]) is 'T' or 'U')
            {
                toTcp = char.ToUpperInvariant(element[0]) == 'T';
                toUdp = !toTcp;
                element = element[2..];
            }
            if (element.Length == 0)
            {
                throw new FormatException($"'{raw}' in the port list '{text}' names no port");
            }
            var (first, last) = ParseRange(element, raw, text);
            for (int port = first; port <= last; port++)
            {
                if (toTcp)
                {
                    tcpPorts.Add(port);
                }
                if (toUdp)
                {
                    udpPorts.Add(port);
                }
            }
        }
        return new PortSpec([.. tcpPorts], [.. udpPorts]);
    }

    /// <summary>Total probes per host: TCP ports plus UDP ports.</summary>
    public int Count => Tcp.Count + Udp.Count;

    private static (int First, int Last) ParseRange(string element, string raw, string text)
    {
        int dash = element.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            int port = ParsePort(element, raw, text);
            return (port, port);
        }
        int first = dash == 0 ? 1 : ParsePort(element[..dash], raw, text);
        int last = dash == element.Length - 1 ? 65535 : ParsePort(element[(dash + 1)..], raw, text);
        if (first > last)
        {
            throw new FormatException($"'{raw}' in the port list '{text}' runs backwards ({first} > {last})");
        }
        return (first, last);
    }

    private static int ParsePort(string digits, string raw, string text)
    {
        if (!PlainDecimal.TryParse(digits, out int port) || port is < 1 or > 65535)
        {
            throw new FormatException($"'{raw}' in the port list '{text}' is not a port or range of ports in 1-65535");
        }
        return port;
    }
}
