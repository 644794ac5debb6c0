using Inetkit.Protocol;

namespace Inetkit.Tests.Protocol;

public sealed class Rfc868TimeTests
{
    private static readonly DateTimeOffset Wrap = new(2036, 2, 7, 6, 28, 16, TimeSpan.Zero);

    [Theory]
    // RFC 868's own examples.
    [InlineData("1900-01-01T00:00:00Z", 0u)]
    [InlineData("1970-01-01T00:00:00Z", 2208988800u)]
    [InlineData("1976-01-01T00:00:00Z", 2398291200u)]
    [InlineData("1980-01-01T00:00:00Z", 2524521600u)]
    [InlineData("1990-01-01T00:00:00Z", 2840140800u)]
    // The last second of era 0 and the first seconds of era 1.
    [InlineData("2036-02-07T06:28:15Z", 4294967295u)]
    [InlineData("2036-02-07T06:28:16Z", 0u)]
    [InlineData("2036-02-07T06:28:17Z", 1u)]
    [InlineData("2100-01-01T00:00:00Z", 2016466304u)]
    public void ToSeconds_MatchesTheRfcAndWrapsIn2036(string instant, uint expected)
    {
        Assert.Equal(expected, Rfc868Time.ToSeconds(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Write_IsBigEndian()
    {
        var bytes = new byte[4];
        Rfc868Time.Write(new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero), bytes);

        Assert.Equal(new byte[] { 0x83, 0xAA, 0x7E, 0x80 }, bytes); // 2,208,988,800
    }

    [Fact]
    public void ToInstant_AfterTheWrap_ResolvesToTheEraNearTheReader()
    {
        DateTimeOffset reader = Wrap.AddMinutes(1);

        Assert.Equal(Wrap.AddSeconds(5), Rfc868Time.ToInstant(5, reader));
        Assert.Equal(Wrap.AddSeconds(-1), Rfc868Time.ToInstant(uint.MaxValue, reader));
    }

    [Fact]
    public void ToInstant_BeforeTheWrap_StaysInEraZero()
    {
        DateTimeOffset today = new(2026, 11, 24, 21, 0, 0, TimeSpan.Zero);

        Assert.Equal(today, Rfc868Time.ToInstant(Rfc868Time.ToSeconds(today), today.AddSeconds(3)));
    }
}
