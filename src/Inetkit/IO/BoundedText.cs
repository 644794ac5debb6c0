using System.Text;

namespace Inetkit.IO;

/// <summary>
/// Reads the text files users name (quotes, scope, target lists) at most up to a limit, whatever the file claims:
/// a device or a pipe reports a length of 0, and <c>--quotes /dev/zero</c> once read until the process ran out of memory.
/// </summary>
public static class BoundedText
{
    /// <summary>The bytes of <paramref name="path"/>, if it holds at most <paramref name="maxBytes"/>.</summary>
    /// <exception cref="TextTooLargeException">The file holds more.</exception>
    /// <exception cref="IOException">It cannot be opened or read.</exception>
    /// <exception cref="UnauthorizedAccessException">It may not be read.</exception>
    public static byte[] ReadFile(string path, long maxBytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
        if (file.CanSeek && file.Length > maxBytes)
        {
            throw new TextTooLargeException(maxBytes, file.Length);
        }
        using var content = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        int read;
        while ((read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, maxBytes + 1 - content.Length))) > 0)
        {
            content.Write(buffer, 0, read);
            if (content.Length > maxBytes)
            {
                throw new TextTooLargeException(maxBytes, null);
            }
        }
        return content.ToArray();
    }

    /// <summary>Everything <paramref name="reader"/> gives, if that is at most <paramref name="maxChars"/> characters.</summary>
    /// <exception cref="TextTooLargeException">It gives more.</exception>
    public static string Read(TextReader reader, long maxChars)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var text = new StringBuilder();
        char[] buffer = new char[16 * 1024];
        int read;
        while ((read = reader.Read(buffer, 0, (int)Math.Min(buffer.Length, maxChars + 1 - text.Length))) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > maxChars)
            {
                throw new TextTooLargeException(maxChars, null);
            }
        }
        return text.ToString();
    }

    /// <summary>UTF-8 text without its byte-order mark; <paramref name="strict"/> refuses invalid bytes instead of replacing them.</summary>
    /// <exception cref="DecoderFallbackException">Invalid UTF-8, when <paramref name="strict"/>.</exception>
    public static string DecodeUtf8(ReadOnlySpan<byte> bytes, bool strict)
    {
        if (bytes.StartsWith(Encoding.UTF8.Preamble))
        {
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        }
        return new UTF8Encoding(false, throwOnInvalidBytes: strict).GetString(bytes);
    }
}

/// <summary>A file or stream holds more than the limit for what it is.</summary>
public sealed class TextTooLargeException : IOException
{
    /// <summary>Creates the exception; <paramref name="length"/> is the size when known.</summary>
    public TextTooLargeException(long limit, long? length)
        : base(length is { } known ? $"is {known:N0} bytes; the most it may hold is {limit:N0}" : $"holds more than {limit:N0} bytes, the most it may hold")
    {
        Limit = limit;
        Length = length;
    }

    /// <summary>The most it may hold.</summary>
    public long Limit { get; }

    /// <summary>Its size, when it could be known without reading it all.</summary>
    public long? Length { get; }
}
