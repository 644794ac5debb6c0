using System.Text;
using Inetkit.Protocol;

namespace Inetkit.Tests.Protocol;

public sealed class ChargenPatternTests
{
    [Fact]
    public void Period_Is95LinesOf72CharactersAndCrlf()
    {
        string text = Encoding.ASCII.GetString(ChargenPattern.Period.Span);
        string[] lines = text.Split("\r\n");

        Assert.Equal(7030, ChargenPattern.Period.Length);
        Assert.Equal(96, lines.Length); // 95 lines, then the empty rest after the last CRLF
        Assert.Equal("", lines[95]);
        Assert.All(lines[..95], line => Assert.Equal(72, line.Length));
    }

    [Fact]
    public void Lines_StartOneCharacterLaterInThePrintableRing()
    {
        string[] lines = Encoding.ASCII.GetString(ChargenPattern.Period.Span).Split("\r\n");

        Assert.Equal(" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg", lines[0]);
        Assert.Equal("!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh", lines[1]);
        // Line 94 starts with '~' and wraps round to the space.
        Assert.StartsWith("~ !\"#", lines[94], StringComparison.Ordinal);
        for (int i = 0; i < 95; i++)
        {
            for (int column = 0; column < 72; column++)
            {
                Assert.Equal((char)(0x20 + ((i + column) % 95)), lines[i][column]);
            }
        }
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(7000, 100)]
    [InlineData(7030 * 3 + 5, 7030)]
    [InlineData(-1, 3)]
    public void Slice_FromAnyOffset_ContinuesTheEndlessPattern(long offset, int length)
    {
        ReadOnlySpan<byte> slice = ChargenPattern.Slice(offset, length).Span;

        Assert.Equal(length, slice.Length);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(ChargenPattern.At(offset + i), slice[i]);
        }
    }

    [Fact]
    public void At_RepeatsEveryPeriod()
    {
        for (long position = 0; position < 200; position++)
        {
            Assert.Equal(ChargenPattern.At(position), ChargenPattern.At(position + ChargenPattern.PeriodLength));
        }
        Assert.Equal((byte)' ', ChargenPattern.At(0));
        Assert.Equal((byte)'\r', ChargenPattern.At(72));
        Assert.Equal((byte)'\n', ChargenPattern.At(73));
        Assert.Equal((byte)'!', ChargenPattern.At(74));
    }
}
