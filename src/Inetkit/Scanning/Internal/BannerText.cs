using System.Text;

namespace Inetkit.Scanning.Internal;

/// <summary>What a service said first, as one printable line: up to the first line break, control bytes escaped, at most 120 characters.</summary>
internal static class BannerText
{
    private const int MaxLength = 120;

    public static string? From(ReadOnlySpan<byte> data)
    {
        int end = data.IndexOfAny((byte)'\r', (byte)'\n');
        ReadOnlySpan<byte> line = (end >= 0 ? data[..end] : data).TrimEnd((byte)' ');
        if (line.IsEmpty && end > 0)
        {
            return null;
        }
        var text = new StringBuilder(Math.Min(line.Length, MaxLength));
        foreach (byte b in line)
        {
            if (text.Length >= MaxLength)
            {
                text.Append('…');
                break;
            }
            _ = b is >= 0x20 and < 0x7F ? text.Append((char)b) : text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{b:x2}");
        }
        return text.Length == 0 ? null : text.ToString();
    }
}
