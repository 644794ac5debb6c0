using System.Text;
using Inetkit.IO;

namespace Inetkit.Protocol;

/// <summary>
/// The quotes the qotd service (RFC 865) hands out, each at most 512 bytes on the wire (CRLF line ends and the
/// final CRLF included). Files use the fortune format: quotes separated by a line holding only <c>%</c>, as
/// Windows' Simple TCP/IP Services' quotes file does.
/// </summary>
public sealed class QuoteBook
{
    /// <summary>RFC 865: "the quote should be limited to 512 characters".</summary>
    public const int MaxQuoteBytes = 512;

    /// <summary>Files larger than this are refused before reading: a quotes file is text for people.</summary>
    public const long MaxFileBytes = 16 * 1024 * 1024;

    private readonly byte[][] _quotes;

    private QuoteBook(byte[][] quotes) => _quotes = quotes;

    /// <summary>The quotes as sent, each with CRLF line ends.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Quotes => Array.ConvertAll(_quotes, q => (ReadOnlyMemory<byte>)q);

    /// <summary>Number of quotes.</summary>
    public int Count => _quotes.Length;

    /// <summary>The built-in set, starting with the seed note's own quote.</summary>
    public static QuoteBook BuiltIn { get; } = Parse(BuiltInQuotes.Text, "built-in quotes");

    /// <summary>Quote <paramref name="index"/> modulo <see cref="Count"/>, as sent.</summary>
    public ReadOnlyMemory<byte> this[long index] => _quotes[(int)(index % _quotes.Length)];

    /// <summary>Loads a fortune-format file.</summary>
    /// <exception cref="QuotesFileException">Missing, unreadable, too large, empty, or holding a quote over 512 bytes.</exception>
    public static QuoteBook Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            if (Directory.Exists(path))
            {
                throw new QuotesFileException(path, "is a directory, not a file");
            }
            if (!File.Exists(path))
            {
                throw new QuotesFileException(path, "does not exist");
            }
            text = BoundedText.DecodeUtf8(BoundedText.ReadFile(path, MaxFileBytes), strict: true);
        }
        catch (TextTooLargeException e)
        {
            throw new QuotesFileException(path, e.Length is { } length
                ? $"is {length:N0} bytes; a quotes file may hold at most {MaxFileBytes:N0}"
                : $"holds more than {MaxFileBytes:N0} bytes, the most a quotes file may hold");
        }
        catch (DecoderFallbackException)
        {
            throw new QuotesFileException(path, "is not UTF-8 text");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QuotesFileException(path, $"cannot be read: {e.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Parses fortune-format text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="QuotesFileException">No quote, or a quote over 512 bytes.</exception>
    public static QuoteBook Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var quotes = new List<byte[]>();
        var lines = new List<string>();
        int entry = 0, line = 0, entryStartLine = 1;
        foreach (string raw in text.Split('\n'))
        {
            line++;
            string current = raw.TrimEnd('\r');
            if (current == "%")
            {
                Flush();
                entryStartLine = line + 1;
                continue;
            }
            lines.Add(current);
        }
        Flush();
        if (quotes.Count == 0)
        {
            throw new QuotesFileException(source, "holds no quotes (quotes are separated by lines holding only %)");
        }
        return new QuoteBook([.. quotes]);

        void Flush()
        {
            while (lines.Count > 0 && string.IsNullOrWhiteSpace(lines[^1]))
            {
                lines.RemoveAt(lines.Count - 1);
            }
            while (lines.Count > 0 && string.IsNullOrWhiteSpace(lines[0]))
            {
                lines.RemoveAt(0);
                entryStartLine++;
            }
            if (lines.Count == 0)
            {
                return;
            }
            entry++;
            if (lines.Any(l => l.Any(char.IsControl)))
            {
                throw new QuotesFileException(source, $"quote {entry} (line {entryStartLine}) holds a control character");
            }
            byte[] bytes = Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n");
            if (bytes.Length > MaxQuoteBytes)
            {
                throw new QuotesFileException(source, $"quote {entry} (line {entryStartLine}) is {bytes.Length} bytes; RFC 865 allows at most {MaxQuoteBytes}");
            }
            quotes.Add(bytes);
            lines.Clear();
        }
    }
}
