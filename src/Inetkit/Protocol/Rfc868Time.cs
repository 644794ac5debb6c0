namespace Inetkit.Protocol;

/// <summary>
/// RFC 868 time: an unsigned 32-bit count of seconds since 1900-01-01T00:00:00Z, sent big-endian. The count
/// wraps to 0 at 2036-02-07T06:28:16Z; a reader resolves the era by taking the instant nearest its own clock.
/// </summary>
public static class Rfc868Time
{
    /// <summary>The epoch, 1900-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset Epoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Seconds in one era of the 32-bit counter.</summary>
    public const long EraSeconds = 1L << 32;

    /// <summary>The counter value for <paramref name="instant"/>, modulo 2^32 (sub-second part dropped).</summary>
    public static uint ToSeconds(DateTimeOffset instant)
    {
        long seconds = (long)Math.Floor((instant - Epoch).TotalSeconds);
        return (uint)(((seconds % EraSeconds) + EraSeconds) % EraSeconds);
    }

    /// <summary>Writes the 4-byte big-endian value.</summary>
    public static void Write(DateTimeOffset instant, Span<byte> destination) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(destination, ToSeconds(instant));

    /// <summary>
    /// The instant that <paramref name="seconds"/> names in the era nearest <paramref name="reference"/>
    /// (normally the reader's own clock), so that a reply of 5 read in 2036 is 2036-02-07T06:28:21Z.
    /// </summary>
    public static DateTimeOffset ToInstant(uint seconds, DateTimeOffset reference)
    {
        long referenceSeconds = (long)Math.Floor((reference - Epoch).TotalSeconds);
        long era = (long)Math.Floor(referenceSeconds / (double)EraSeconds);
        long best = (era * EraSeconds) + seconds;
        foreach (long candidate in new[] { best - EraSeconds, best + EraSeconds })
        {
            if (Math.Abs(candidate - referenceSeconds) < Math.Abs(best - referenceSeconds))
            {
                best = candidate;
            }
        }
        return Epoch.AddSeconds(best);
    }
}
