using System.Net;
using System.Net.Sockets;
using CsCheck;
using Inetkit.Hosting;
using Inetkit.Hosting.Internal;

namespace Inetkit.Tests.Hosting;

/// <summary>
/// The access list's decisions as a table, its parse errors, and a property against a naive reference that
/// compares prefixes bit by bit on the address bytes.
/// </summary>
public sealed class AccessListTests
{
    private const string NotAllowed = "not in the allow list";

    // Lists in the table are comma-separated; an empty cell is an empty list.
    private static string[] List(string cell) => cell.Length == 0 ? [] : cell.Split(',');

    [Theory]
    // IPv4
    [InlineData("192.0.2.0/24", "", "192.0.2.7", true, "allow 192.0.2.0/24")]
    [InlineData("192.0.2.0/24", "", "198.51.100.1", false, NotAllowed)]
    [InlineData("", "192.0.2.0/24", "198.51.100.1", true, null)]
    [InlineData("", "127.0.0.0/8", "127.0.0.1", false, "deny 127.0.0.0/8")]
    [InlineData(" 10.0.0.1 ", "", "10.0.0.1", true, "allow 10.0.0.1")]
    [InlineData("10.0.0.1/32", "", "10.0.0.1", true, "allow 10.0.0.1")]
    [InlineData("10.0.0.0/32", "", "10.0.0.1", false, NotAllowed)]
    [InlineData("10.9.8.7/8", "", "10.1.2.3", true, "allow 10.0.0.0/8")]
    // IPv6
    [InlineData("2001:db8::/32", "", "2001:db8::1", true, "allow 2001:db8::/32")]
    [InlineData("2001:db8::/32", "", "2001:db9::1", false, NotAllowed)]
    [InlineData("", "::1", "::1", false, "deny ::1")]
    [InlineData("[2001:DB8::1]", "", "2001:db8::1", true, "allow 2001:db8::1")]
    [InlineData("[2001:db8::]/48", "", "2001:db8:0:ffff::1", true, "allow 2001:db8::/48")]
    [InlineData("2001:db8::1/32", "", "2001:db8:1::", true, "allow 2001:db8::/32")]
    // IPv4-mapped sources are decided as IPv4: the dual-stack bypass must not exist.
    [InlineData("", "127.0.0.0/8", "::ffff:127.0.0.1", false, "deny 127.0.0.0/8")]
    [InlineData("10.0.0.0/8", "", "::ffff:10.1.2.3", true, "allow 10.0.0.0/8")]
    [InlineData("10.0.0.0/8", "", "::ffff:11.1.2.3", false, NotAllowed)]
    [InlineData("", "::ffff:0:0/96", "::ffff:127.0.0.1", false, "deny 0.0.0.0/0")]
    // IPv4-compatible (::a.b.c.d) is plain IPv6, not mapped.
    [InlineData("", "127.0.0.0/8", "::127.0.0.1", true, null)]
    // IPv4-mapped entries are IPv4 entries.
    [InlineData("::ffff:10.0.0.1", "", "10.0.0.1", true, "allow 10.0.0.1")]
    [InlineData("", "::ffff:10.0.0.0/104", "10.9.9.9", false, "deny 10.0.0.0/8")]
    [InlineData("[::ffff:192.0.2.1]", "", "::ffff:192.0.2.1", true, "allow 192.0.2.1")]
    [InlineData("::ffff:c000:201/128", "", "192.0.2.1", true, "allow 192.0.2.1")]
    // The most specific entry decides, whichever list it is in.
    [InlineData("127.0.0.5", "127.0.0.0/8", "127.0.0.5", true, "allow 127.0.0.5")]
    [InlineData("127.0.0.5", "127.0.0.0/8", "127.0.0.6", false, "deny 127.0.0.0/8")]
    [InlineData("10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", false, "deny 10.1.0.0/16")]
    [InlineData("10.0.0.0/8", "10.1.0.0/16", "10.2.0.1", true, "allow 10.0.0.0/8")]
    [InlineData("2001:db8::/32,2001:db8:1::/48", "2001:db8::/33", "2001:db8:1::9", true, "allow 2001:db8:1::/48")]
    [InlineData("2001:db8::/32,2001:db8:1::/48", "2001:db8::/33", "2001:db8:2::9", false, "deny 2001:db8::/33")]
    // The very same block in both lists: deny wins, also when host bits made them look different.
    [InlineData("192.0.2.0/24", "192.0.2.0/24", "192.0.2.1", false, "deny 192.0.2.0/24")]
    [InlineData("192.0.2.9/24", "192.0.2.0/24", "192.0.2.1", false, "deny 192.0.2.0/24")]
    [InlineData("::1", "::1/128", "::1", false, "deny ::1")]
    // /0 covers its own family only.
    [InlineData("0.0.0.0/0", "", "203.0.113.9", true, "allow 0.0.0.0/0")]
    [InlineData("0.0.0.0/0", "", "::1", false, NotAllowed)]
    [InlineData("", "0.0.0.0/0", "::1", true, null)]
    [InlineData("", "::/0", "2001:db8::1", false, "deny ::/0")]
    [InlineData("", "::/0", "127.0.0.1", true, null)]
    [InlineData("", "::/0", "::ffff:127.0.0.1", true, null)]
    [InlineData("0.0.0.0/0", "0.0.0.0/0", "192.0.2.1", false, "deny 0.0.0.0/0")]
    [InlineData("::/0", "0.0.0.0/0", "2001:db8::1", true, "allow ::/0")]
    // Scope ids play no part, in entries or sources.
    [InlineData("fe80::1%eth0", "", "fe80::1", true, "allow fe80::1")]
    [InlineData("fe80::1", "", "fe80::1%2", true, "allow fe80::1")]
    [InlineData("[fe80::%eth0]/64", "", "fe80::abcd%3", true, "allow fe80::/64")]
    // No entries at all.
    [InlineData("", "", "192.0.2.1", true, null)]
    [InlineData("", "", "::1", true, null)]
    public void Decide_Table_GivesTheDecisionAndTheDecidingRule(string allow, string deny, string source, bool allowed, string? rule)
    {
        AccessList list = AccessList.Parse(List(allow), List(deny));
        IPAddress address = IPAddress.Parse(source);

        AccessDecision decision = list.Decide(address);

        Assert.Equal(new AccessDecision(allowed, rule), decision);
        Assert.Equal(decision, list.Decide(SourceAddress.From(new IPEndPoint(address, 0)).Address));
    }

    [Fact]
    public void AllowAndDeny_AreTheNormalisedEntriesInOrder()
    {
        AccessList list = AccessList.Parse(
            ["10.0.0.1/8", " ::ffff:192.0.2.0/120", "2001:DB8:0:0::1/32", "[::1]", "127.0.0.5"],
            ["192.0.2.7/32", "fe80::1%eth0/10"]);

        Assert.Equal(["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "::1", "127.0.0.5"], list.Allow);
        Assert.Equal(["192.0.2.7", "fe80::/10"], list.Deny);
        Assert.False(list.IsOpen);
    }

    [Fact]
    public void Open_HasNoEntries_AndAllowsEveryone()
    {
        Assert.True(AccessList.Open.IsOpen);
        Assert.Empty(AccessList.Open.Allow);
        Assert.Empty(AccessList.Open.Deny);
        Assert.Equal(new AccessDecision(true, null), AccessList.Open.Decide(IPAddress.Parse("192.0.2.1")));
        Assert.Equal(new AccessDecision(true, null), AccessList.Open.Decide(IPAddress.IPv6Loopback));
        Assert.True(AccessList.Parse([], []).IsOpen);
        Assert.False(AccessList.Parse([], ["::1"]).IsOpen);
    }

    [Theory]
    [InlineData("10.0.0.300", "'10.0.0.300': not an IP address or CIDR block (e.g. 192.0.2.7, 192.0.2.0/24, 2001:db8::/32)")]
    [InlineData("10.0.0.0/33", "'10.0.0.0/33': prefix length 33 is outside 0-32")]
    [InlineData("2001:db8::/129", "'2001:db8::/129': prefix length 129 is outside 0-128")]
    [InlineData("10.0.0.0/99999999999", "prefix length 99999999999 is outside 0-32")]
    [InlineData("", "'': an empty entry")]
    [InlineData("   ", "'': an empty entry")]
    [InlineData("10.0.0.1/", "the prefix length after '/' is missing")]
    [InlineData("10.0.0.0/x", "prefix length 'x' is not a number 0-32")]
    [InlineData("10.0.0.0/-1", "prefix length '-1' is not a number 0-32")]
    [InlineData("10.0.0.0/8/8", "prefix length '8/8' is not a number 0-32")]
    [InlineData("010.0.0.1", "'010.0.0.1': an octet has a leading zero, which inet_aton reads as octal; write 10.0.0.1 if you mean decimal")]
    [InlineData("10.0.0.0", "'10.0.0.0': xinetd reads trailing zero octets as a wildcard; write 10.0.0.0/8 for the block, or 10.0.0.0/32 for the one address")]
    [InlineData("128.138.12.0", "write 128.138.12.0/24 for the block")]
    [InlineData("0.0.0.0", "write 0.0.0.0/0 for the block")]
    [InlineData("::", "'::': the unspecified address is never a source; write ::/0 for every IPv6 address")]
    [InlineData("::ffff:10.0.0.0/64", "'::ffff:10.0.0.0/64': an IPv4-mapped block needs a prefix length of 96-128")]
    [InlineData("10.1", "not an IP address or CIDR block")]
    [InlineData("167772161", "not an IP address or CIDR block")]
    [InlineData("0x0a.0.0.1", "not an IP address or CIDR block")]
    [InlineData("1.2.3.4.5", "not an IP address or CIDR block")]
    [InlineData("10.0.0.0 /8", "not an IP address or CIDR block")]
    [InlineData("10.0.0.1%eth0", "not an IP address or CIDR block")]
    [InlineData("[10.0.0.1]", "not an IP address or CIDR block")]
    [InlineData("[::1]:80", "not an IP address or CIDR block")]
    [InlineData("[::1", "not an IP address or CIDR block")]
    [InlineData("fe80::1%", "not an IP address or CIDR block")]
    [InlineData("1::2::3", "not an IP address or CIDR block")]
    [InlineData("::ffff:10.0.300", "not an IP address or CIDR block")]
    [InlineData("::ffff:010.0.0.1", "not an IP address or CIDR block")]
    [InlineData("host.example.org", "not an IP address or CIDR block")]
    [InlineData("*", "not an IP address or CIDR block")]
    public void Parse_BadEntry_ThrowsOneLineNamingIt(string entry, string message)
    {
        var inAllow = Assert.Throws<FormatException>(() => AccessList.Parse(["192.0.2.1", entry], []));
        var inDeny = Assert.Throws<FormatException>(() => AccessList.Parse([], [entry]));

        Assert.Contains(message, inAllow.Message, StringComparison.Ordinal);
        Assert.Contains($"'{entry.Trim()}'", inAllow.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', inAllow.Message);
        Assert.Equal(inAllow.Message, inDeny.Message);
    }

    [Fact]
    public void Parse_AnyText_ParsesOrThrowsFormatException()
    {
        Gen<string> text = Gen.Char["0123456789abcdefABCDEFx:./%[] "].Array[0, 24].Select(c => new string(c));
        text.Sample(entry =>
        {
            try
            {
                AccessList.Parse([entry], [entry]);
            }
            catch (FormatException)
            {
                // The parser's own, documented refusal.
            }
        }, iter: 20000);
    }

    [Fact]
    public void DecideUInt128_DoesNotAllocate()
    {
        AccessList list = AccessList.Parse(["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"], ["10.1.0.0/16", "::1"]);
        UInt128 v4 = SourceAddress.From(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 0)).Address;
        UInt128 v6 = SourceAddress.From(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 0)).Address;
        list.Decide(v4);
        list.Decide(v6);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            list.Decide(v4);
            list.Decide(v6);
            list.Decide(UInt128.One);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    // ---- The property: Decide against a naive reference on random entries and sources. ----

    /// <summary>An entry as the reference sees it: a family, its address bytes (host bits as generated) and a prefix.</summary>
    private sealed record ReferenceEntry(bool IsIPv4, byte[] Bytes, int Prefix, bool Allow, string Written)
    {
        public override string ToString() => $"{(Allow ? "allow" : "deny")} '{Written}'";
    }

    // Bytes mostly 0 and 1, so that random entries and sources share long prefixes and nest in each other.
    private static readonly Gen<byte> Octet = Gen.Frequency((3, Gen.Byte[0, 1]), (1, Gen.Const((byte)255)), (2, Gen.Byte));
    private static readonly Gen<byte[]> V4 = Octet.Array[4];
    private static readonly Gen<byte[]> V6 = Octet.Array[16].Select(bytes =>
    {
        // A random IPv6 entry must not happen to be IPv4-mapped: that is its own kind below.
        if (IsMapped(bytes))
        {
            bytes[0] = 0x20;
        }
        return bytes;
    });

    private static readonly Gen<ReferenceEntry> EntryGen = Gen.Select(Gen.Int[0, 2], V4, V6, Gen.Int[0, 128], Gen.Bool, Gen.Int[0, 2]).Select((kind, v4, v6, length, allow, style) =>
    {
        string spaces = style == 1 ? " " : "";
        switch (kind)
        {
            case 0:
                {
                    int prefix = length % 33;
                    string text = string.Join('.', v4);
                    // A plain address only where it cannot read as xinetd's trailing-zero wildcard.
                    string written = prefix == 32 && style == 2 && v4[3] != 0 ? text : $"{text}/{prefix}";
                    return new ReferenceEntry(true, v4, prefix, allow, spaces + written + spaces);
                }
            case 1:
                {
                    int prefix = length % 33;
                    string text = $"::ffff:{string.Join('.', v4)}/{96 + prefix}";
                    return new ReferenceEntry(true, v4, prefix, allow, style == 2 ? $"[{text.Replace("/", "]/", StringComparison.Ordinal)}" : spaces + text);
                }
            default:
                {
                    string text = new IPAddress(v6).ToString();
                    string written = style == 2 ? $"[{text}]/{length}" : $"{spaces}{text}/{length}{spaces}";
                    return new ReferenceEntry(false, v6, length, allow, written);
                }
        }
    });

    private static readonly Gen<IPAddress> SourceGen = Gen.Select(Gen.Int[0, 2], V4, Octet.Array[16]).Select((kind, v4, v6) => kind switch
    {
        0 => new IPAddress(v4),
        1 => new IPAddress(v4).MapToIPv6(),
        _ => new IPAddress(v6),
    });

    [Fact]
    public void Decide_RandomEntriesAndSources_AgreesWithBitByBitReference()
    {
        Gen.Select(EntryGen.Array[0, 8], SourceGen.Array[1, 12]).Sample((entries, sources) =>
        {
            ReferenceEntry[] allow = [.. entries.Where(e => e.Allow)];
            ReferenceEntry[] deny = [.. entries.Where(e => !e.Allow)];

            AccessList list = AccessList.Parse(allow.Select(e => e.Written), deny.Select(e => e.Written));

            Assert.Equal(allow.Select(Normalised), list.Allow);
            Assert.Equal(deny.Select(Normalised), list.Deny);
            Assert.Equal(entries.Length == 0, list.IsOpen);
            foreach (IPAddress source in sources)
            {
                AccessDecision decision = list.Decide(source);
                Assert.Equal(Reference(entries, source), decision);
                Assert.Equal(decision, list.Decide(SourceAddress.From(new IPEndPoint(source, 0)).Address));
            }
        }, iter: 5000);
    }

    private static AccessDecision Reference(ReferenceEntry[] entries, IPAddress source)
    {
        IPAddress plain = source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source;
        bool isIPv4 = plain.AddressFamily == AddressFamily.InterNetwork;
        byte[] bytes = plain.GetAddressBytes();
        ReferenceEntry[] matching = [.. entries.Where(e => e.IsIPv4 == isIPv4 && SamePrefix(e.Bytes, bytes, e.Prefix))];
        if (matching.Length == 0)
        {
            return entries.Any(e => e.Allow) ? new AccessDecision(false, NotAllowed) : new AccessDecision(true, null);
        }
        int longest = matching.Max(e => e.Prefix);
        ReferenceEntry winner = matching.Where(e => e.Prefix == longest).OrderBy(e => e.Allow).First();
        return new AccessDecision(winner.Allow, $"{(winner.Allow ? "allow" : "deny")} {Normalised(winner)}");
    }

    private static bool SamePrefix(byte[] a, byte[] b, int bits)
    {
        for (int i = 0; i < bits; i++)
        {
            if (Bit(a, i) != Bit(b, i))
            {
                return false;
            }
        }
        return true;
    }

    private static int Bit(byte[] bytes, int index) => (bytes[index / 8] >> (7 - (index % 8))) & 1;

    private static string Normalised(ReferenceEntry entry)
    {
        byte[] network = new byte[entry.Bytes.Length];
        for (int i = 0; i < entry.Prefix; i++)
        {
            network[i / 8] |= (byte)(Bit(entry.Bytes, i) << (7 - (i % 8)));
        }
        string text = entry.IsIPv4 ? string.Join('.', network) : new IPAddress(network).ToString();
        return entry.Prefix == network.Length * 8 ? text : $"{text}/{entry.Prefix}";
    }

    private static bool IsMapped(byte[] bytes) => bytes.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0 && bytes[10] == 0xFF && bytes[11] == 0xFF;
}
