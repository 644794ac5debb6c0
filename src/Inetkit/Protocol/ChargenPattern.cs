namespace Inetkit.Protocol;

/// <summary>
/// The RFC 864 character generator pattern: lines of 72 characters plus CRLF, each starting one character
/// later in the ring of the 95 printable ASCII characters (0x20-0x7E). Line 0 starts with a space; after 95
/// lines the pattern repeats, so the whole period (7,030 bytes) is computed once.
/// </summary>
public static class ChargenPattern
{
    /// <summary>Printable characters per line.</summary>
    public const int LineWidth = 72;

    /// <summary>Bytes per line, CRLF included.</summary>
    public const int LineLength = LineWidth + 2;

    /// <summary>Characters in the ring, 0x20 to 0x7E.</summary>
    public const int RingSize = 95;

    /// <summary>Bytes in one period of the pattern: 95 lines of 74 bytes.</summary>
    public const int PeriodLength = RingSize * LineLength;

    /// <summary>The largest UDP reply, in characters (RFC 864: "between 0 and 512").</summary>
    public const int MaxDatagram = 512;

    // Two periods back to back, so that any slice of up to one period is contiguous from any offset.
    private static readonly byte[] DoublePeriod = Build(2);

    /// <summary>One period of the pattern, 7,030 bytes.</summary>
    public static ReadOnlyMemory<byte> Period { get; } = DoublePeriod.AsMemory(0, PeriodLength);

    /// <summary>
    /// <paramref name="length"/> bytes of the pattern starting at <paramref name="offset"/> (taken modulo the
    /// period); length is at most one period.
    /// </summary>
    public static ReadOnlyMemory<byte> Slice(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, PeriodLength);
        int start = (int)(((offset % PeriodLength) + PeriodLength) % PeriodLength);
        return DoublePeriod.AsMemory(start, length);
    }

    /// <summary>Fills <paramref name="destination"/>, of any length, with the endless pattern from <paramref name="offset"/>.</summary>
    public static void Fill(Span<byte> destination, long offset = 0)
    {
        while (!destination.IsEmpty)
        {
            int length = Math.Min(destination.Length, PeriodLength);
            Slice(offset, length).Span.CopyTo(destination);
            destination = destination[length..];
            offset += length;
        }
    }

    /// <summary>The byte at <paramref name="position"/> in the endless stream (for checking a received stream).</summary>
    public static byte At(long position) => DoublePeriod[(int)(((position % PeriodLength) + PeriodLength) % PeriodLength)];

    private static byte[] Build(int periods)
    {
        var bytes = new byte[PeriodLength * periods];
        int i = 0;
        for (int line = 0; line < RingSize * periods; line++)
        {
            for (int column = 0; column < LineWidth; column++)
            {
                bytes[i++] = (byte)(0x20 + ((line + column) % RingSize));
            }
            bytes[i++] = (byte)'\r';
            bytes[i++] = (byte)'\n';
        }
        return bytes;
    }
}
