using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Inetkit.Text;

namespace Inetkit.Scanning;

/// <summary>
/// What to scan, in nmap's target syntax: addresses (<c>127.0.0.1</c>, <c>::1</c>), CIDR blocks
/// (<c>192.0.2.0/28</c>, <c>2001:db8::/120</c>), IPv4 octet ranges (<c>192.0.2.1-20</c>, <c>10.0.0-3.*</c>),
/// full ranges (<c>192.0.2.1-192.0.2.20</c>) and host names, less what <c>--exclude</c> names. A list larger than
/// <see cref="MaxAddresses"/> is refused with its size, before anything is expanded.
/// </summary>
public sealed class TargetSpec
{
    /// <summary>The most addresses one scan takes: 2^20, an IPv4 /12. Larger work is split with <c>--shard</c> or narrowed.</summary>
    public const int MaxAddresses = 1 << 20;

    private readonly List<AddressRange> _ranges;
    private readonly List<AddressRange> _excluded;
    private readonly HashSet<string> _excludedNames;

    private TargetSpec(List<AddressRange> ranges, List<string> names, List<AddressRange> excluded, HashSet<string> excludedNames)
    {
        _ranges = ranges;
        HostNames = names.Where(n => !excludedNames.Contains(n)).ToList();
        _excluded = excluded;
        _excludedNames = excludedNames;
    }

    /// <summary>The address ranges named, before exclusion.</summary>
    public IReadOnlyList<AddressRange> Ranges => _ranges;

    /// <summary>Host names named (not yet resolved), less those excluded by name.</summary>
    public IReadOnlyList<string> HostNames { get; }

    /// <summary>Parses targets and exclusions (each item one target expression).</summary>
    /// <exception cref="FormatException">An item that is no target, an empty list, or a list over <see cref="MaxAddresses"/>.</exception>
    public static TargetSpec Parse(IEnumerable<string> targets, IEnumerable<string>? exclusions = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var ranges = new List<AddressRange>();
        var names = new List<string>();
        foreach (string item in targets.Select(t => t.Trim()).Where(t => t.Length > 0))
        {
            ParseItem(item, ranges, names);
        }
        if (ranges.Count == 0 && names.Count == 0)
        {
            throw new FormatException("no targets given");
        }
        BigInteger total = ranges.Aggregate(BigInteger.Zero, (sum, r) => sum + r.Count) + names.Count;
        if (total > MaxAddresses)
        {
            throw new FormatException($"the targets hold {total:N0} addresses; one scan takes at most {MaxAddresses:N0} (an IPv4 /12): narrow them, or split the work with --shard");
        }
        var excluded = new List<AddressRange>();
        var excludedNames = new List<string>();
        foreach (string item in (exclusions ?? []).Select(t => t.Trim()).Where(t => t.Length > 0))
        {
            ParseItem(item, excluded, excludedNames);
        }
        return new TargetSpec(ranges, names, excluded, new HashSet<string>(excludedNames, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>True if <paramref name="address"/> is excluded.</summary>
    public bool IsExcluded(IPAddress address) => _excluded.Any(r => r.Contains(address));

    /// <summary>Every address named, in order, each once, less the excluded ones. Host names are not included.</summary>
    public IEnumerable<IPAddress> Addresses()
    {
        var seen = new HashSet<(AddressFamily, UInt128)>();
        foreach (AddressRange range in _ranges)
        {
            for (UInt128 value = range.First; ; value++)
            {
                IPAddress address = AddressRange.ToAddress(range.Family, value);
                if (seen.Add((range.Family, value)) && !IsExcluded(address))
                {
                    yield return address;
                }
                if (value == range.Last)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Parses one target expression into <paramref name="ranges"/> or <paramref name="names"/>.</summary>
    internal static void ParseItem(string item, List<AddressRange> ranges, List<string> names)
    {
        string text = item.Trim('[', ']');
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!IPAddress.TryParse(text[..slash], out IPAddress? network)
                || !PlainDecimal.TryParse(text.AsSpan(slash + 1), out int prefix)
                || prefix > (network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
            {
                throw new FormatException($"'{item}' is not a CIDR block (ADDRESS/PREFIX, prefix 0-32 for IPv4, 0-128 for IPv6)");
            }
            // IPAddress.TryParse also reads inet_aton's short forms, in which 192.168 is 192.0.0.168: a scope line
            // 192.168/16 would authorize 192.0.0.0/16, someone else's network.
            if (!IsCompleteAddress(text[..slash], out _))
            {
                throw new FormatException($"'{item}': write the network's address with all four octets ('{text[..slash]}' reads as {network})");
            }
            ranges.Add(AddressRange.Cidr(network, prefix));
            return;
        }
        if (IsCompleteAddress(text, out IPAddress? single))
        {
            ranges.Add(AddressRange.Of(single));
            return;
        }
        if (TryParseFullRange(text, item, out AddressRange fullRange))
        {
            ranges.Add(fullRange);
            return;
        }
        if (TryParseOctets(text, ranges, item))
        {
            return;
        }
        if (IsHostName(text))
        {
            names.Add(text.ToLowerInvariant());
            return;
        }
        throw new FormatException($"'{item}' is not an address, a CIDR block, a range or a host name");
    }

    /// <summary>FIRST-LAST with two complete addresses of one family: 192.0.2.1-192.0.2.20, 2001:db8::1-2001:db8::ff.</summary>
    private static bool TryParseFullRange(string text, string item, out AddressRange range)
    {
        range = default;
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !IsCompleteAddress(text[..dash], out IPAddress? from) || !IsCompleteAddress(text[(dash + 1)..], out IPAddress? to) || from.AddressFamily != to.AddressFamily)
        {
            return false;
        }
        UInt128 first = AddressRange.ToNumber(from), last = AddressRange.ToNumber(to);
        if (first > last)
        {
            throw new FormatException($"'{item}' runs backwards");
        }
        range = new AddressRange(from.AddressFamily, first, last);
        return true;
    }

    // IPAddress.TryParse takes "20" as 0.0.0.20; a complete IPv4 address here has all four octets.
    private static bool IsCompleteAddress(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address) =>
        IPAddress.TryParse(text, out address) && (address.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3);

    /// <summary>IPv4 with an octet range or * in any octet: 192.0.2.1-20, 10.0.0-3.*.</summary>
    private static bool TryParseOctets(string text, List<AddressRange> ranges, string item)
    {
        string[] parts = text.Split('.');
        if (parts.Length != 4 || !parts.Any(p => p.Contains('-', StringComparison.Ordinal) || p == "*"))
        {
            return false;
        }
        var spans = new (int Low, int High)[4];
        for (int i = 0; i < 4; i++)
        {
            string[] bounds = parts[i] == "*" ? ["0", "255"] : parts[i].Split('-');
            if (bounds.Length is < 1 or > 2 || !bounds.All(b => int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v <= 255))
            {
                if (parts.Take(3).All(p => p.All(char.IsAsciiDigit) || p.Contains('-', StringComparison.Ordinal)))
                {
                    throw new FormatException($"'{item}': octet '{parts[i]}' is not 0-255, a range like 1-20, or *");
                }
                return false;
            }
            int low = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            int high = int.Parse(bounds[^1], CultureInfo.InvariantCulture);
            if (low > high)
            {
                throw new FormatException($"'{item}': octet range '{parts[i]}' runs backwards");
            }
            spans[i] = (low, high);
        }
        long count = spans.Aggregate(1L, (product, s) => product * (s.High - s.Low + 1));
        if (count > MaxAddresses)
        {
            throw new FormatException($"'{item}' holds {count:N0} addresses; one scan takes at most {MaxAddresses:N0}: narrow it, or split the work with --shard");
        }
        for (int a = spans[0].Low; a <= spans[0].High; a++)
        {
            for (int b = spans[1].Low; b <= spans[1].High; b++)
            {
                for (int c = spans[2].Low; c <= spans[2].High; c++)
                {
                    uint prefix = ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8);
                    ranges.Add(new AddressRange(AddressFamily.InterNetwork, prefix | (uint)spans[3].Low, prefix | (uint)spans[3].High));
                }
            }
        }
        return true;
    }

    private static bool IsHostName(string text) =>
        text.Length is > 0 and <= 253
        && text.Split('.').All(label => label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        && !text.Split('.').All(label => label.All(char.IsAsciiDigit));
}
