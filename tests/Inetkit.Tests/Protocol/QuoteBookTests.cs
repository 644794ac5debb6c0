using System.Text;
using Inetkit.Protocol;

namespace Inetkit.Tests.Protocol;

public sealed class QuoteBookTests
{
    [Fact]
    public void BuiltIn_StartsWithTheSeedsQuote_AndEveryQuoteFitsRfc865()
    {
        QuoteBook book = QuoteBook.BuiltIn;

        Assert.StartsWith("Object oriented programs are offered as alternatives to correct ones.\r\n", Encoding.ASCII.GetString(book.Quotes[0].Span), StringComparison.Ordinal);
        Assert.True(book.Count >= 5);
        Assert.All(book.Quotes, q =>
        {
            Assert.InRange(q.Length, 3, QuoteBook.MaxQuoteBytes);
            Assert.True(q.Span.EndsWith("\r\n"u8));
            Assert.All(q.ToArray(), b => Assert.True(b is (>= 0x20 and <= 0x7E) or (byte)'\r' or (byte)'\n'));
        });
    }

    [Fact]
    public void Parse_FortuneFormat_SplitsOnPercentLinesAndUsesCrlf()
    {
        QuoteBook book = QuoteBook.Parse("First line\nsecond line\n%\n\nAnother one.\n\n%\n%\nLast\r\n", "test");

        Assert.Equal(3, book.Count);
        Assert.Equal("First line\r\nsecond line\r\n", Encoding.UTF8.GetString(book.Quotes[0].Span));
        Assert.Equal("Another one.\r\n", Encoding.UTF8.GetString(book.Quotes[1].Span));
        Assert.Equal("Last\r\n", Encoding.UTF8.GetString(book.Quotes[2].Span));
    }

    [Fact]
    public void Indexer_WrapsRoundTheQuotes()
    {
        QuoteBook book = QuoteBook.Parse("a\n%\nb\n%\nc", "test");

        string[] got = [.. Enumerable.Range(0, 7).Select(i => Encoding.UTF8.GetString(book[i].Span))];

        Assert.Equal(["a\r\n", "b\r\n", "c\r\n", "a\r\n", "b\r\n", "c\r\n", "a\r\n"], got);
    }

    [Fact]
    public void Parse_QuoteOf512BytesOnTheWire_IsAccepted()
    {
        QuoteBook book = QuoteBook.Parse(new string('x', 510), "test");

        Assert.Equal(512, book.Quotes[0].Length);
    }

    [Fact]
    public void Parse_QuoteOver512Bytes_NamesTheEntryAndLine()
    {
        string text = "short\n%\nfine too\n%\n" + new string('x', 511) + "\n";

        var e = Assert.Throws<QuotesFileException>(() => QuoteBook.Parse(text, "quotes.txt"));

        Assert.Contains("quotes.txt", e.Message, StringComparison.Ordinal);
        Assert.Contains("quote 3 (line 5)", e.Message, StringComparison.Ordinal);
        Assert.Contains("513 bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("%\n%\n%")]
    [InlineData("  \n%\n\t\n")]
    public void Parse_NoQuotes_IsRefused(string text)
    {
        var e = Assert.Throws<QuotesFileException>(() => QuoteBook.Parse(text, "empty.txt"));

        Assert.Contains("holds no quotes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ControlCharacter_IsRefused()
    {
        var e = Assert.Throws<QuotesFileException>(() => QuoteBook.Parse("fine\n%\nbell\a here", "q"));

        Assert.Contains("quote 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_NamesIt()
    {
        string path = Path.Combine(Path.GetTempPath(), $"inetkit-missing-{Guid.NewGuid():N}.txt");

        var e = Assert.Throws<QuotesFileException>(() => QuoteBook.Load(path));

        Assert.Equal($"quotes file {path}: does not exist", e.Message);
    }

    [Fact]
    public void Load_ReadsAFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "Hello from a file.\n%\nAnd another.\n");

            QuoteBook book = QuoteBook.Load(path);

            Assert.Equal(2, book.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_InvalidUtf8_IsRefused()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [0x41, 0xFF, 0xFE, 0x0A]);

            var e = Assert.Throws<QuotesFileException>(() => QuoteBook.Load(path));

            Assert.Contains("not UTF-8", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
