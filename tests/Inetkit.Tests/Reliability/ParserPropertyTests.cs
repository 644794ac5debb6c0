using System.Net;
using CsCheck;
using Inetkit.Protocol;
using Inetkit.Scanning;

namespace Inetkit.Tests.Reliability;

/// <summary>
/// Properties of the parsers that read what users and files give Inetkit (port and target specs, scope files,
/// quotes files, shards), checked on thousands of generated inputs with CsCheck, which shrinks any failure to its
/// smallest case. Whatever the input, a parser returns or throws its own documented exception, never another.
/// </summary>
public sealed class ParserPropertyTests
{
    // Text that looks like what the parsers read: digits, separators, address and CIDR punctuation, letters, spaces, line ends.
    private static readonly Gen<string> Spec = Gen.Char["0123456789,-:/.TtUu*abcdefx[] \t\n\r%#"].Array[0, 40].Select(c => new string(c));
    private static readonly Gen<string> AnyText = Gen.String[Gen.Char, 0, 200];

    [Fact]
    public void PortSpec_AnyInput_ParsesOrSaysWhy()
    {
        Spec.Sample(text => OnlyThrows<FormatException>(() => PortSpec.Parse(text, tcp: true, udp: true)), iter: 5000);
        AnyText.Sample(text => OnlyThrows<FormatException>(() => PortSpec.Parse(text)), iter: 5000);
    }

    [Fact]
    public void PortSpec_RangesWrittenOut_ParseBackToExactlyTheirPorts()
    {
        Gen.Int[1, 65535].Select(Gen.Int[0, 300]).Array[1, 12].Sample(ranges =>
        {
            var expected = new SortedSet<int>();
            var parts = new List<string>();
            foreach ((int first, int length) in ranges)
            {
                int last = Math.Min(65535, first + length);
                parts.Add(first == last ? $"{first}" : $"{first}-{last}");
                for (int port = first; port <= last; port++)
                {
                    expected.Add(port);
                }
            }

            PortSpec spec = PortSpec.Parse(string.Join(",", parts));

            Assert.Equal(expected, spec.Tcp);
            Assert.Empty(spec.Udp);
        });
    }

    [Fact]
    public void TargetSpec_AnyInput_ParsesOrSaysWhy()
    {
        Spec.Sample(text => OnlyThrows<FormatException>(() => TargetSpec.Parse(text.Split(','))), iter: 5000);
        AnyText.Sample(text => OnlyThrows<FormatException>(() => TargetSpec.Parse([text])), iter: 5000);
    }

    [Fact]
    public void TargetSpec_Ipv4Cidr_HoldsTwoToTheHostBits_AlignedOnTheNetwork()
    {
        Gen.UInt.Select(Gen.Int[12, 32]).Sample((address, prefix) =>
        {
            var network = new IPAddress([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);

            AddressRange range = Assert.Single(TargetSpec.Parse([$"{network}/{prefix}"]).Ranges);

            Assert.Equal(System.Numerics.BigInteger.Pow(2, 32 - prefix), range.Count);
            Assert.True(range.Contains(network));
            Assert.Equal(UInt128.Zero, range.First % (UInt128.One << (32 - prefix)));
        });
    }

    [Fact]
    public void ScanScope_AnyFile_ParsesOrSaysWhy()
    {
        Gen<string> lines = Gen.OneOf(
            Gen.Const("authorized-by: Jane Doe"), Gen.Const("reference: T-1"), Gen.Const("expires: 2026-12-31"), Gen.Const("expires: 2026-02-30"),
            Gen.Const("192.0.2.0/24"), Gen.Const("2001:db8::/64"), Gen.Const("host.example.org"), Gen.Const("# comment"), Gen.Const(""), Spec);
        lines.Array[0, 10].Sample(file => OnlyThrows<ScopeException>(() => ScanScope.Parse(string.Join('\n', file), "scope.txt")), iter: 5000);
        AnyText.Sample(text => OnlyThrows<ScopeException>(() => ScanScope.Parse(text, "scope.txt")), iter: 5000);
    }

    [Fact]
    public void QuotesFile_AnyText_ParsesOrSaysWhy()
    {
        Gen<string> quotes = Gen.OneOf(Gen.Const("%"), Gen.Const("A short quote."), Gen.Const(new string('x', 600)), Gen.Const(""), AnyText);
        quotes.Array[0, 8].Sample(parts => OnlyThrows<QuotesFileException>(() => QuoteBook.Parse(string.Join('\n', parts), "quotes.txt")), iter: 5000);
    }

    [Fact]
    public void Shards_EveryProbeBelongsToExactlyOne()
    {
        Gen.UInt.Select(Gen.Int[1, 65535], Gen.Int[1, 64], Gen.Bool).Sample((address, port, count, udp) =>
        {
            var host = new IPAddress([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);
            Transport protocol = udp ? Transport.Udp : Transport.Tcp;

            int owners = Enumerable.Range(1, count).Count(i => new ScanShard(i, count).Includes(host, protocol, port));

            Assert.Equal(1, owners);
        });
        Spec.Sample(text => OnlyThrows<FormatException>(() => ScanShard.Parse(text)), iter: 5000);
    }

    private static void OnlyThrows<TException>(Action parse) where TException : Exception
    {
        try
        {
            parse();
        }
        catch (TException)
        {
            // The parser's own, documented refusal.
        }
    }
}
