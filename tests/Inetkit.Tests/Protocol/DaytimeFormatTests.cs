using Inetkit.Protocol;

namespace Inetkit.Tests.Protocol;

public sealed class DaytimeFormatTests
{
    private static readonly DateTimeOffset Wrap = new(2036, 2, 7, 6, 28, 16, TimeSpan.Zero);

    [Fact]
    public void Ctime_IsBsdInetdsShapeWithSpacePaddedDay()
    {
        Assert.Equal("Thu Feb  7 06:28:16 2036", DaytimeFormat.Ctime.FormatText(Wrap));
        Assert.Equal("Tue Nov 24 21:05:09 2026", DaytimeFormat.Ctime.FormatText(new DateTimeOffset(2026, 11, 24, 21, 5, 9, TimeSpan.Zero)));
    }

    [Fact]
    public void FormatText_ConvertsToUtc()
    {
        var inBerlin = new DateTimeOffset(2036, 2, 7, 7, 28, 16, TimeSpan.FromHours(1));

        Assert.Equal("Thu Feb  7 06:28:16 2036", DaytimeFormat.Ctime.FormatText(inBerlin));
    }

    [Theory]
    [InlineData("rfc3339", "2036-02-07T06:28:16Z")]
    [InlineData("ISO8601", "2036-02-07T06:28:16Z")]
    [InlineData("rfc1123", "Thu, 07 Feb 2036 06:28:16 GMT")]
    [InlineData("http", "Thu, 07 Feb 2036 06:28:16 GMT")]
    [InlineData("yyyy-MM-dd HH:mm:ss", "2036-02-07 06:28:16")]
    public void Parse_NamedAndCustomFormats(string name, string expected)
    {
        Assert.Equal(expected, DaytimeFormat.Parse(name).FormatText(Wrap));
    }

    [Theory]
    [InlineData("ctime", true)]
    [InlineData("rfc3339", true)]
    [InlineData("rfc1123", true)]
    [InlineData("yyyy-MM-dd HH:mm:ss", true)]
    [InlineData("HH:mm", true)]
    [InlineData("HH:mm:ss.fff", false)]
    [InlineData("ss FFFFFFF", false)]
    public void WholeSeconds_OnlyWithoutAFractionField(string name, bool wholeSeconds)
    {
        Assert.Equal(wholeSeconds, DaytimeFormat.Parse(name).WholeSeconds);
    }

    [Fact]
    public void FormatLine_EndsWithCrlfAndIsAscii()
    {
        byte[] line = DaytimeFormat.Ctime.FormatLine(Wrap);

        Assert.Equal("Thu Feb  7 06:28:16 2036\r\n"u8.ToArray(), line);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("%")]
    [InlineData("yyyy\nMM")]
    [InlineData("'\u00e9t\u00e9' yyyy")]
    public void Parse_RefusesEmptyInvalidOrNonAsciiFormats(string format)
    {
        Assert.Throws<FormatException>(() => DaytimeFormat.Parse(format));
    }
}
