using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Inetkit.Text;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// One <see cref="AccessList"/> entry, precomputed for matching: the block as a 128-bit network and mask in
/// <see cref="SourceAddress"/>'s form (IPv4 as ::ffff:a.b.c.d), its prefix length within its own family (0-32 or
/// 0-128), and its text and rule ready to hand out without allocating.
/// </summary>
internal readonly record struct AccessEntry(UInt128 Network, UInt128 Mask, int Prefix, bool IsIPv4, bool Allow, string Text, string Rule)
{
    private const string Examples = "(e.g. 192.0.2.7, 192.0.2.0/24, 2001:db8::/32)";
    private const int MappedBits = 96;
    private static readonly UInt128 MappedPrefix = new(0, 0x0000_FFFF_0000_0000);
    private static readonly SearchValues<char> IPv6Characters = SearchValues.Create("0123456789abcdefABCDEF:.");

    /// <summary>
    /// True if <paramref name="address"/> lies in this block. The family test keeps an IPv6 block such as ::/0 from
    /// matching IPv4 sources, which live inside IPv6 space in this form.
    /// </summary>
    public bool Matches(UInt128 address, bool isIPv4) => IsIPv4 == isIPv4 && (address & Mask) == Network;

    /// <exception cref="FormatException">The entry is no address or block; the message names it and says what to write.</exception>
    public static AccessEntry Parse(string entry, bool allow)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string text = entry.Trim();
        if (text.Length == 0)
        {
            throw new FormatException($"'{text}': an empty entry; write an IP address or CIDR block {Examples}");
        }
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string address = slash < 0 ? text : text[..slash];
        string? prefixText = slash < 0 ? null : text[(slash + 1)..];
        bool bracketed = address.Length >= 2 && address[0] == '[' && address[^1] == ']';
        if (bracketed)
        {
            address = address[1..^1];
        }

        UInt128 value;
        bool isIPv4;
        if (address.Contains(':', StringComparison.Ordinal))
        {
            if (!TryParseIPv6(address, out value))
            {
                throw NotAnAddress(text);
            }
            isIPv4 = false;
            // The unspecified address is never a datagram's source, so a plain :: can only be meant as "everyone".
            if (prefixText is null && value == UInt128.Zero)
            {
                throw new FormatException($"'{text}': the unspecified address is never a source; write ::/0 for every IPv6 address");
            }
        }
        else
        {
            if (bracketed || !TryParseIPv4(address, out uint v4, out bool leadingZero))
            {
                throw NotAnAddress(text);
            }
            if (leadingZero)
            {
                throw new FormatException($"'{text}': an octet has a leading zero, which inet_aton reads as octal; write {FormatIPv4(v4)} if you mean decimal");
            }
            // xinetd reads 10.0.0.0 as 10.0.0.0/8 and 0.0.0.0 as everyone; taken as one address, a no_access line
            // carried over from xinetd would silently deny nothing.
            if (prefixText is null && (v4 & 0xFF) == 0)
            {
                int wildcard = 32 - (8 * ((int)uint.TrailingZeroCount(v4) / 8));
                throw new FormatException($"'{text}': xinetd reads trailing zero octets as a wildcard; write {text}/{wildcard} for the block, or {text}/32 for the one address");
            }
            value = MappedPrefix | v4;
            isIPv4 = true;
        }

        int prefix = prefixText is null ? (isIPv4 ? 32 : 128) : ParsePrefix(text, prefixText, isIPv4 ? 32 : 128);
        // ::ffff:a.b.c.d is how a dual-stack socket reports an IPv4 client, so such an entry means that IPv4 block.
        if (!isIPv4 && new SourceAddress(value, 0).IsIPv4)
        {
            if (prefix < MappedBits)
            {
                throw new FormatException($"'{text}': an IPv4-mapped block needs a prefix length of 96-128 (::ffff:10.0.0.0/104 is 10.0.0.0/8)");
            }
            isIPv4 = true;
            prefix -= MappedBits;
        }

        int bits = isIPv4 ? MappedBits + prefix : prefix;
        // Shifting a UInt128 by 128 shifts by 0, so /0 needs its own case.
        UInt128 mask = bits == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - bits);
        // Host bits set (10.0.0.1/8) are cleared, as xinetd does, rather than refused.
        UInt128 network = value & mask;
        string normalised = Format(network, prefix, isIPv4);
        return new AccessEntry(network, mask, prefix, isIPv4, allow, normalised, $"{(allow ? "allow" : "deny")} {normalised}");
    }

    private static FormatException NotAnAddress(string text) =>
        new($"'{text}': not an IP address or CIDR block {Examples}");

    private static int ParsePrefix(string text, string prefixText, int max)
    {
        if (prefixText.Length == 0)
        {
            throw new FormatException($"'{text}': the prefix length after '/' is missing; write 0-{max}");
        }
        if (prefixText.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            throw new FormatException($"'{text}': prefix length '{prefixText}' is not a number 0-{max}");
        }
        if (!PlainDecimal.TryParse(prefixText, out int prefix) || prefix > max)
        {
            throw new FormatException($"'{text}': prefix length {prefixText} is outside 0-{max}");
        }
        return prefix;
    }

    /// <summary>
    /// Four decimal octets only. IPAddress.TryParse also takes inet_aton's forms (10.1 is 10.0.0.1, 0x0a.1 and
    /// 012.0.0.1 are 10.0.0.1 too), which would make an entry mean another network than it seems to.
    /// </summary>
    private static bool TryParseIPv4(ReadOnlySpan<char> text, out uint value, out bool leadingZero)
    {
        value = 0;
        leadingZero = false;
        int octets = 0;
        foreach (Range range in text.Split('.'))
        {
            ReadOnlySpan<char> octet = text[range];
            if (++octets > 4 || octet.Length is 0 or > 3 || octet.ContainsAnyExceptInRange('0', '9'))
            {
                return false;
            }
            int number = int.Parse(octet, provider: null);
            if (number > 255)
            {
                return false;
            }
            leadingZero |= octet.Length > 1 && octet[0] == '0';
            value = (value << 8) | (uint)number;
        }
        return octets == 4;
    }

    private static bool TryParseIPv6(string text, out UInt128 value)
    {
        value = UInt128.Zero;
        // A scope id (fe80::1%eth0) names a link, not part of the address; a source's scope plays no part either.
        int percent = text.IndexOf('%', StringComparison.Ordinal);
        if (percent >= 0)
        {
            if (percent == text.Length - 1)
            {
                return false;
            }
            text = text[..percent];
        }
        // Only address characters: IPAddress.TryParse would otherwise read "[::1]:80" as ::1.
        if (text.Length == 0 || text.AsSpan().ContainsAnyExcept(IPv6Characters))
        {
            return false;
        }
        // An embedded IPv4 tail (::ffff:10.0.0.1) is held to the same four decimal octets as a plain IPv4 entry.
        if (text.Contains('.', StringComparison.Ordinal)
            && (!TryParseIPv4(text.AsSpan(text.LastIndexOf(':') + 1), out _, out bool leadingZero) || leadingZero))
        {
            return false;
        }
        if (!IPAddress.TryParse(text, out IPAddress? parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        parsed.TryWriteBytes(bytes, out _);
        value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    private static string FormatIPv4(uint value) => $"{value >> 24}.{(value >> 16) & 0xFF}.{(value >> 8) & 0xFF}.{value & 0xFF}";

    private static string Format(UInt128 network, int prefix, bool isIPv4)
    {
        if (isIPv4)
        {
            string v4 = FormatIPv4((uint)(network & uint.MaxValue));
            return prefix == 32 ? v4 : $"{v4}/{prefix}";
        }
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, network);
        string v6 = new IPAddress(bytes).ToString();
        return prefix == 128 ? v6 : $"{v6}/{prefix}";
    }
}
