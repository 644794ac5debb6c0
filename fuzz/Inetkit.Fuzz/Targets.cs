using System.Net;
using System.Text;
using Inetkit.Clients;
using Inetkit.Protocol;
using Inetkit.Scanning;

namespace Inetkit.Fuzz;

/// <summary>
/// One entry per parser of untrusted text or bytes. A parser's own documented exception is its refusal and is
/// caught; any other exception escapes, and SharpFuzz reports it to afl-fuzz as a crash.
/// </summary>
internal static class Targets
{
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["port"] = data => Refuses<FormatException>(() => PortSpec.Parse(Text(data), tcp: true, udp: true)),
        ["target"] = data => Refuses<FormatException>(() => TargetSpecs(Text(data))),
        ["scope"] = data => Refuses<ScopeException>(() => Scope(Text(data))),
        ["quotes"] = data => Refuses<QuotesFileException>(() => QuoteBook.Parse(Text(data), "quotes.txt")),
        ["shard"] = data => Refuses<FormatException>(() => ScanShard.Parse(Text(data)).Includes(IPAddress.Loopback, Transport.Tcp, 7)),
        ["address"] = data => Refuses<FormatException>(() => ServiceAddress.Parse(Text(data), ServiceKind.Echo).ToString()),
        ["daytime-format"] = data => Refuses<FormatException>(() => DaytimeFormat.Parse(Text(data)).FormatLine(DateTimeOffset.UnixEpoch)),
        ["services"] = data => ServiceNames.FromText(Text(data)).Lookup(Transport.Udp, 7),
        ["banner"] = ReplyTargets.Banner,
        ["chargen"] = ReplyTargets.Chargen,
        ["cli"] = CliTarget.Parse,
    };

    private static string Text(byte[] data) => Encoding.UTF8.GetString(data);

    private static void Refuses<TException>(Action parse) where TException : Exception
    {
        try
        {
            parse();
        }
        catch (TException)
        {
            // The parser's documented refusal: the input was bad, and it said why.
        }
    }

    // As inetkit scan takes them: the first line stands for the TARGET arguments (or an -iL file's line), the
    // others for --exclude values, which are comma-separated.
    private static void TargetSpecs(string text)
    {
        string[] lines = text.Split('\n');
        string[] targets = lines[0].Split([' ', '\t', '\r', ','], StringSplitOptions.RemoveEmptyEntries);
        TargetSpec spec = TargetSpec.Parse(targets, lines.Skip(1).SelectMany(line => line.Split(',')));
        foreach (AddressRange range in spec.Ranges.Take(64))
        {
            _ = range.ToString();
            _ = spec.IsExcluded(range.At(0));
        }
    }

    private static void Scope(string text)
    {
        ScanScope scope = ScanScope.Parse(text, "scope.txt");
        foreach (AddressRange range in scope.Ranges.Take(64))
        {
            _ = scope.Covers(range.At(0));
        }
        _ = scope.CoversName("host.example.org");
    }
}
