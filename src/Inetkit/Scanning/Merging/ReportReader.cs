using System.Net;
using System.Text.Json;
using System.Xml;

namespace Inetkit.Scanning.Merging;

/// <summary>Reads the reports <c>inetkit scan</c> writes as XML (nmap's format with Inetkit's own element) or JSON back into a <see cref="ScanReport"/>.</summary>
public static class ReportReader
{
    /// <summary>Reads <paramref name="path"/>, XML or JSON as its first character says.</summary>
    /// <exception cref="ReportMergeException">Missing, unreadable, malformed, or not a report of Inetkit's.</exception>
    public static ReadReport Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using FileStream file = File.OpenRead(path);
            int first = FirstCharacter(file);
            file.Position = 0;
            return first switch
            {
                '<' => XmlReportReader.Read(path, file),
                '{' => JsonReportReader.Read(path, file),
                _ => throw new ReportMergeException($"{path}: neither an XML nor a JSON report (write one with inetkit scan --format xml or json)"),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReportMergeException($"{path}: cannot be read ({e.Message})");
        }
        catch (Exception e) when (e is XmlException or JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new ReportMergeException($"{path}: not a report of inetkit scan ({e.Message})");
        }
    }

    private static int FirstCharacter(Stream stream)
    {
        int b;
        do
        {
            b = stream.ReadByte();
        }
        while (b is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF);
        return b;
    }

    internal static ScanHost Host(string address, string? name) => new(IPAddress.Parse(address), string.IsNullOrEmpty(name) ? null : name);

    internal static PortState State(string name) => name switch
    {
        "open" => PortState.Open,
        "closed" => PortState.Closed,
        "filtered" => PortState.Filtered,
        "open|filtered" => PortState.OpenFiltered,
        _ => throw new FormatException($"'{name}' is not a port state"),
    };

    internal static Protocol.Transport Protocol(string name) => name switch
    {
        "tcp" => Inetkit.Protocol.Transport.Tcp,
        "udp" => Inetkit.Protocol.Transport.Udp,
        _ => throw new FormatException($"'{name}' is not a protocol"),
    };

    internal static TcpScanType ScanType(string name) => name switch
    {
        "connect" => TcpScanType.Connect,
        "syn" => TcpScanType.Syn,
        _ => throw new FormatException($"'{name}' is not a TCP scan type"),
    };
}
