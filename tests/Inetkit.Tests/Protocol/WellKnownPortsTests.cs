using Inetkit.Protocol;

namespace Inetkit.Tests.Protocol;

public sealed class WellKnownPortsTests
{
    [Theory]
    [InlineData(ServiceKind.Echo, 10007, 7)]
    [InlineData(ServiceKind.Discard, 10009, 9)]
    [InlineData(ServiceKind.Daytime, 10013, 13)]
    [InlineData(ServiceKind.Qotd, 10017, 17)]
    [InlineData(ServiceKind.Chargen, 10019, 19)]
    [InlineData(ServiceKind.Time, 10037, 37)]
    public void PortFor_DefaultOffsetAndWellKnown(ServiceKind service, int withDefaultOffset, int wellKnown)
    {
        Assert.Equal(withDefaultOffset, WellKnownPorts.PortFor(service));
        Assert.Equal(wellKnown, WellKnownPorts.PortFor(service, 0));
    }

    [Fact]
    public void PortFor_OffsetPastTheLastPort_Throws()
    {
        Assert.Equal(65535, WellKnownPorts.PortFor(ServiceKind.Time, WellKnownPorts.MaxOffset));
        Assert.Throws<ArgumentOutOfRangeException>(() => WellKnownPorts.PortFor(ServiceKind.Time, WellKnownPorts.MaxOffset + 1));
    }

    [Theory]
    [InlineData("echo", ServiceKind.Echo)]
    [InlineData("QOTD", ServiceKind.Qotd)]
    [InlineData("quote", ServiceKind.Qotd)]
    [InlineData(" chargen ", ServiceKind.Chargen)]
    public void TryParse_Names(string text, ServiceKind expected)
    {
        Assert.True(WellKnownPorts.TryParse(text, out ServiceKind got));
        Assert.Equal(expected, got);
        Assert.True(WellKnownPorts.TryParse(WellKnownPorts.Name(got), out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("http")]
    [InlineData(null)]
    public void TryParse_Unknown_IsFalse(string? text)
    {
        Assert.False(WellKnownPorts.TryParse(text, out _));
    }
}
