using System.Net;
using Inetkit.Scanning;

namespace Inetkit.Tests.Scanning;

/// <summary>Target parsing only: nothing here resolves a name or opens a socket.</summary>
public sealed class TargetSpecTests
{
    private static string[] Addresses(params string[] targets) => [.. TargetSpec.Parse(targets).Addresses().Select(a => a.ToString())];

    [Fact]
    public void Cidr_IPv4_IncludesNetworkAndBroadcastAddresses()
    {
        string[] got = Addresses("192.0.2.0/30");

        Assert.Equal(["192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"], got);
    }

    [Fact]
    public void Cidr_HostBitsAreIgnored_AsNmapDoes()
    {
        Assert.Equal(Addresses("192.0.2.0/30"), Addresses("192.0.2.2/30"));
        Assert.Equal(["192.0.2.9"], Addresses("192.0.2.9/32"));
    }

    [Fact]
    public void Cidr_IPv6()
    {
        string[] got = Addresses("2001:db8::/126");

        Assert.Equal(["2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"], got);
        Assert.Equal(256, Addresses("2001:db8::/120").Length);
    }

    [Fact]
    public void OctetRanges_AndStar()
    {
        Assert.Equal(20, Addresses("192.0.2.1-20").Length);
        Assert.Equal("192.0.2.20", Addresses("192.0.2.1-20")[^1]);
        Assert.Equal(["192.0.2.1", "192.0.2.2", "192.0.3.1", "192.0.3.2"], Addresses("192.0.2-3.1-2"));
        Assert.Equal(256, Addresses("192.0.2.*").Length);
    }

    [Fact]
    public void FullRange_AcrossAnOctetBoundary()
    {
        Assert.Equal(["192.0.2.254", "192.0.2.255", "192.0.3.0"], Addresses("192.0.2.254-192.0.3.0"));
    }

    [Fact]
    public void Duplicates_AreScannedOnce_AndExclusionsRemoved()
    {
        TargetSpec spec = TargetSpec.Parse(["127.0.0.1-4", "127.0.0.2"], ["127.0.0.3", "127.0.0.4/32"]);

        Assert.Equal(["127.0.0.1", "127.0.0.2"], spec.Addresses().Select(a => a.ToString()));
    }

    [Fact]
    public void ExcludingAWholeAddressSpace_ExcludesEveryAddressInIt()
    {
        // ::/0 once came out as the single address :: (a 128-bit shift is a shift by 0), so excluding it excluded nothing.
        TargetSpec spec = TargetSpec.Parse(["::1", "2001:db8::7", "127.0.0.1"], ["::/0"]);

        Assert.Equal([IPAddress.Loopback], spec.Addresses());
        Assert.True(spec.IsExcluded(IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        Assert.Equal(System.Numerics.BigInteger.Pow(2, 128), AddressRange.Cidr(IPAddress.IPv6Any, 0).Count);
        Assert.Equal(System.Numerics.BigInteger.Pow(2, 32), AddressRange.Cidr(IPAddress.Any, 0).Count);
    }

    [Fact]
    public void HostNames_AreKeptForResolution_ExcludableByName()
    {
        TargetSpec spec = TargetSpec.Parse(["localhost", "Host.Example.ORG", "::1"], ["host.example.org"]);

        Assert.Equal(["localhost"], spec.HostNames);
        Assert.Equal([IPAddress.IPv6Loopback], spec.Addresses());
    }

    [Fact]
    public void AbsurdSize_IsRefusedWithItsCount()
    {
        var e = Assert.Throws<FormatException>(() => TargetSpec.Parse(["2001:db8::/64"]));

        Assert.Contains("18,446,744,073,709,551,616 addresses", e.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => TargetSpec.Parse(["100.0.0.0/8"]));
        Assert.Throws<FormatException>(() => TargetSpec.Parse(["*.*.*.*"]));
        Assert.Equal(TargetSpec.MaxAddresses, TargetSpec.Parse(["100.64.0.0/12"]).Ranges[0].Count);
    }

    [Theory]
    [InlineData("192.0.2.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("192.0.2.0/")]
    [InlineData("192.0.2.0/x")]
    [InlineData("192.0.2.300")]
    [InlineData("192.0.2.20-1")]
    [InlineData("192.0.2.5-192.0.2.1")]
    [InlineData("bad_name!")]
    [InlineData("-leading.dash")]
    // Numbers that overflow: a prefix, a range end or an octet past 2^32 or 2^64, and whole address spaces.
    [InlineData("192.0.2.0/4294967328")]
    [InlineData("192.0.2.0/-1")]
    [InlineData("192.0.2.1-4294967297")]
    [InlineData("192.0.2.4294967297")]
    [InlineData("::/18446744073709551744")]
    [InlineData("0.0.0.0/0")]
    [InlineData("::/0")]
    [InlineData("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    public void BadTargets_AreFormatErrors(string target)
    {
        Assert.Throws<FormatException>(() => TargetSpec.Parse([target]));
    }

    [Fact]
    public void ManyBlocksEachUnderTheCap_AreRefusedTogether_WithoutOverflow()
    {
        string[] blocks = [.. Enumerable.Range(0, 4096).Select(i => $"{64 + (i >> 8)}.{i & 255}.0.0/16")];

        var e = Assert.Throws<FormatException>(() => TargetSpec.Parse(blocks));

        Assert.Contains("268,435,456 addresses", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyTargetList_IsRefused()
    {
        var e = Assert.Throws<FormatException>(() => TargetSpec.Parse(["", "  "]));

        Assert.Equal("no targets given", e.Message);
    }
}
