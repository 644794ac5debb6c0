using Inetkit.Scanning;

namespace Inetkit.Tests.Scanning;

public sealed class PortSpecTests
{
    [Fact]
    public void SinglePortsAndRanges_MixedFreely_SortedAndUnique()
    {
        PortSpec spec = PortSpec.Parse("8080,1-3,22,2");

        Assert.Equal([1, 2, 3, 22, 8080], spec.Tcp);
        Assert.Empty(spec.Udp);
    }

    [Fact]
    public void Dash_IsEveryPort_AsInNmapsDashPDash()
    {
        PortSpec spec = PortSpec.Parse("-");

        Assert.Equal(65535, spec.Tcp.Count);
        Assert.Equal(1, spec.Tcp[0]);
        Assert.Equal(65535, spec.Tcp[^1]);
    }

    [Fact]
    public void OpenRanges_RunToTheEnds()
    {
        Assert.Equal(Enumerable.Range(1, 5), PortSpec.Parse("-5").Tcp);
        Assert.Equal([1], PortSpec.Parse("-1").Tcp);
        Assert.Equal(Enumerable.Range(65530, 6), PortSpec.Parse("65530-").Tcp);
    }

    [Fact]
    public void ProtocolPrefixes_HoldUntilTheNextOne()
    {
        PortSpec spec = PortSpec.Parse("U:53,111,T:21-23,80", tcp: true, udp: true);

        Assert.Equal([21, 22, 23, 80], spec.Tcp);
        Assert.Equal([53, 111], spec.Udp);
    }

    [Fact]
    public void UnprefixedPorts_GoToEveryProtocolScanned()
    {
        PortSpec spec = PortSpec.Parse("7,U:9", tcp: true, udp: true);

        Assert.Equal([7], spec.Tcp);
        Assert.Equal([7, 9], spec.Udp);
        Assert.Equal([13], PortSpec.Parse("13", tcp: false, udp: true).Udp);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("99999999999")]
    [InlineData("22,,80")]
    [InlineData("80-22")]
    [InlineData("ssh")]
    [InlineData("1-2-3")]
    [InlineData("T:")]
    [InlineData("X:80")]
    [InlineData("-0")]
    [InlineData(" ")]
    // Numbers that overflow, or that a lenient parser would take: 2^32 + 1 wraps to 1 in a 32-bit cast.
    [InlineData("4294967297")]
    [InlineData("1-4294967297")]
    [InlineData("4294967296-1")]
    [InlineData("18446744073709551617")]
    [InlineData("-4294967296")]
    [InlineData("+80")]
    [InlineData("0x50")]
    [InlineData("\u0668\u0660")] // Arabic-Indic digits: 80 to int.Parse with some cultures
    [InlineData("80\0")]
    [InlineData("1e3")]
    public void BadSyntax_IsAFormatErrorNamingTheElement(string text)
    {
        var e = Assert.Throws<FormatException>(() => PortSpec.Parse(text));

        Assert.NotEmpty(e.Message);
    }
}
