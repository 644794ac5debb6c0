using System.Globalization;
using Inetkit.Protocol;
using Inetkit.Text;

namespace Inetkit.Scanning;

/// <summary>
/// Port-to-name lookups for scan reports: the operating system's services database (<c>/etc/services</c>, or
/// Windows' <c>drivers\etc\services</c>) read at run time, over a small table of well-known ports written here.
/// nmap's data files are never read or copied: their licence would make this program a derivative of nmap.
/// </summary>
public sealed class ServiceNames
{
    // Written for Inetkit from the IANA registry's best-known entries; the OS database usually has many more.
    private static readonly Dictionary<(Transport, int), string> BuiltIn = Build(
        (7, "echo", Transport.Both), (9, "discard", Transport.Both), (13, "daytime", Transport.Both), (17, "qotd", Transport.Both),
        (19, "chargen", Transport.Both), (20, "ftp-data", Transport.Tcp), (21, "ftp", Transport.Tcp), (22, "ssh", Transport.Tcp),
        (23, "telnet", Transport.Tcp), (25, "smtp", Transport.Tcp), (37, "time", Transport.Both), (53, "domain", Transport.Both),
        (67, "bootps", Transport.Udp), (68, "bootpc", Transport.Udp), (69, "tftp", Transport.Udp), (80, "http", Transport.Tcp),
        (110, "pop3", Transport.Tcp), (123, "ntp", Transport.Udp), (143, "imap", Transport.Tcp), (161, "snmp", Transport.Udp),
        (389, "ldap", Transport.Tcp), (443, "https", Transport.Tcp), (445, "microsoft-ds", Transport.Tcp), (465, "submissions", Transport.Tcp),
        (514, "syslog", Transport.Udp), (587, "submission", Transport.Tcp), (631, "ipp", Transport.Tcp), (993, "imaps", Transport.Tcp),
        (995, "pop3s", Transport.Tcp), (1433, "ms-sql-s", Transport.Tcp), (3306, "mysql", Transport.Tcp), (3389, "ms-wbt-server", Transport.Tcp),
        (5432, "postgresql", Transport.Tcp), (6379, "redis", Transport.Tcp), (8080, "http-alt", Transport.Tcp));

    private readonly Dictionary<(Transport, int), string> _names;

    private ServiceNames(Dictionary<(Transport, int), string> names) => _names = names;

    /// <summary>The system's database over the built-in table (the built-in table alone if the file is missing).</summary>
    public static ServiceNames FromSystem()
    {
        string path = OperatingSystem.IsWindows()
            ? Path.Combine(Environment.SystemDirectory, "drivers", "etc", "services")
            : "/etc/services";
        try
        {
            return FromText(File.Exists(path) ? File.ReadAllText(path) : "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable database costs only names, never the scan.
            return FromText("");
        }
    }

    /// <summary>Entries in the services(5) format (<c>name port/protocol [aliases] [# comment]</c>) over the built-in table.</summary>
    public static ServiceNames FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fromText = new Dictionary<(Transport, int), string>();
        foreach (string raw in text.Split('\n'))
        {
            string[] fields = raw.Split('#')[0].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }
            string[] portProtocol = fields[1].Split('/');
            if (portProtocol.Length != 2 || !PlainDecimal.TryParse(portProtocol[0], out int port) || port is < 1 or > 65535)
            {
                continue;
            }
            Transport? protocol = portProtocol[1].ToLowerInvariant() switch { "tcp" => Transport.Tcp, "udp" => Transport.Udp, _ => null };
            if (protocol is { } p)
            {
                // The first entry for a port wins, as getservbyport(3) returns it.
                fromText.TryAdd((p, port), fields[0]);
            }
        }
        // The system's database wins over the built-in table wherever both name a port.
        var names = new Dictionary<(Transport, int), string>(BuiltIn);
        foreach (var (key, name) in fromText)
        {
            names[key] = name;
        }
        return new ServiceNames(names);
    }

    /// <summary>The name of <paramref name="port"/> over <paramref name="protocol"/>, or null ("unknown" in reports).</summary>
    public string? Lookup(Transport protocol, int port) => _names.GetValueOrDefault((protocol, port));

    private static Dictionary<(Transport, int), string> Build(params (int Port, string Name, Transport Protocols)[] entries)
    {
        var table = new Dictionary<(Transport, int), string>();
        foreach (var (port, name, protocols) in entries)
        {
            foreach (Transport p in new[] { Transport.Tcp, Transport.Udp }.Where(p => (protocols & p) != 0))
            {
                table[(p, port)] = name;
            }
        }
        return table;
    }
}
