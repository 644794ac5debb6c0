using System.Globalization;

namespace Inetkit.Impairment.Internal;

/// <summary>
/// The units of an <c>--impair</c> spec, read and written. Numbers are plain decimals (no sign, no exponent), read as
/// <see cref="decimal"/> so that what is written back reads back to the same value. Times: <c>us</c>, <c>ms</c>,
/// <c>s</c> (a bare <c>0</c> is zero). Rates: <c>bit</c>, <c>kbit</c>, <c>mbit</c>, <c>gbit</c> per second (1000
/// multiples, as tc's), or bytes per second as <c>B/s</c>, <c>KB/s</c>, <c>MB/s</c>, <c>GB/s</c> (also 1000
/// multiples: toxiproxy's KB/s is 1000 bytes a second). Sizes: bytes, bare or as <c>B</c>, <c>KB</c>, <c>MB</c>
/// (1024 multiples, as sizes of buffers are). Percentages need their <c>%</c>: a bare <c>5</c> could be meant as 5%
/// or as a fraction, so neither is guessed.
/// </summary>
internal static class ImpairmentUnits
{
    private const string PlainNumber = "0.############################";

    /// <summary>The fastest rate taken, a terabit a second: beyond it, the value is a typo.</summary>
    public const double MaxBitsPerSecond = 1e12;

    private static readonly (string Suffix, long Ticks)[] TimeUnits = [("us", 10), ("ms", TimeSpan.TicksPerMillisecond), ("s", TimeSpan.TicksPerSecond)];

    private static readonly (string Suffix, decimal BitsPerSecond)[] RateUnits =
    [
        ("gbit", 1e9m), ("Gbit", 1e9m), ("mbit", 1e6m), ("Mbit", 1e6m), ("kbit", 1e3m), ("Kbit", 1e3m), ("bit", 1m),
        ("GB/s", 8e9m), ("MB/s", 8e6m), ("KB/s", 8e3m), ("kB/s", 8e3m), ("B/s", 8m),
    ];

    private static readonly (string Suffix, long Bytes)[] SizeUnits = [("MB", 1024 * 1024), ("KB", 1024), ("B", 1)];

    /// <summary>A percentage, <c>5%</c> or <c>0.5%</c>, as a probability 0-1.</summary>
    public static double ParsePercent(string value, string part)
    {
        if (!value.EndsWith('%'))
        {
            throw new ImpairmentSpecException(part, $"a percentage ends in %, as in {Example(part, "5%")}");
        }
        decimal percent = Number(value[..^1], part, "a percentage");
        if (percent > 100)
        {
            throw new ImpairmentSpecException(part, "a percentage is 0-100%");
        }
        return (double)(percent / 100);
    }

    /// <summary>A time, <c>20ms</c>, <c>1.5s</c>, <c>500us</c> or <c>0</c>; to the nearest tick (100 ns).</summary>
    public static TimeSpan ParseTime(string value, string part)
    {
        if (value == "0")
        {
            return TimeSpan.Zero;
        }
        // us and ms before s, so that "20ms" is not read as "20m" seconds.
        foreach (var (suffix, ticks) in TimeUnits)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal))
            {
                decimal amount = Number(value[..^suffix.Length], part, "a time");
                decimal total = amount * ticks;
                if (total > TimeSpan.MaxValue.Ticks)
                {
                    throw new ImpairmentSpecException(part, "the time is too long");
                }
                return TimeSpan.FromTicks((long)Math.Round(total, MidpointRounding.AwayFromZero));
            }
        }
        throw new ImpairmentSpecException(part, $"a time needs its unit (us, ms or s), as in {Example(part, "20ms")}");
    }

    /// <summary>A rate in bits a second, from bits (<c>1mbit</c>) or bytes (<c>200KB/s</c>).</summary>
    public static double ParseBitRate(string value, string part)
    {
        foreach (var (suffix, bits) in RateUnits)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal))
            {
                decimal amount = Number(value[..^suffix.Length], part, "a rate");
                if (amount == 0)
                {
                    throw new ImpairmentSpecException(part, "a rate is more than 0; leave the part out for no limit");
                }
                if (amount > (decimal)MaxBitsPerSecond / bits)
                {
                    throw new ImpairmentSpecException(part, "the rate is over a terabit a second");
                }
                return (double)(amount * bits);
            }
        }
        throw new ImpairmentSpecException(part, $"a rate needs its unit (bit, kbit, mbit, gbit a second, or B/s, KB/s, MB/s), as in {Example(part, "1mbit")} or {Example(part, "200KB/s")}");
    }

    /// <summary>A size in bytes, <c>1000</c> or <c>64KB</c> (KB = 1024 bytes).</summary>
    public static long ParseSize(string value, string part)
    {
        decimal bytes = -1;
        foreach (var (suffix, unit) in SizeUnits)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal))
            {
                bytes = Number(value[..^suffix.Length], part, "a size") * unit;
                break;
            }
        }
        if (bytes < 0)
        {
            bytes = Number(value, part, "a size");
        }
        if (bytes != decimal.Truncate(bytes))
        {
            throw new ImpairmentSpecException(part, "a size is a whole number of bytes");
        }
        if (bytes > int.MaxValue)
        {
            throw new ImpairmentSpecException(part, "the size is over 2 GB");
        }
        return (long)bytes;
    }

    /// <summary>A whole number, at least <paramref name="minimum"/>.</summary>
    public static int ParseCount(string value, string part, int minimum)
    {
        decimal count = Number(value, part, "a count");
        if (count != decimal.Truncate(count) || count > int.MaxValue)
        {
            throw new ImpairmentSpecException(part, "a count is a whole number");
        }
        if (count < minimum)
        {
            throw new ImpairmentSpecException(part, $"the least is {minimum}");
        }
        return (int)count;
    }

    /// <summary>A plain decimal of at least <paramref name="minimum"/>.</summary>
    public static double ParseDecimal(string value, string part, decimal minimum)
    {
        decimal number = Number(value, part, "a number");
        if (number < minimum)
        {
            throw new ImpairmentSpecException(part, $"the least is {minimum.ToString(PlainNumber, CultureInfo.InvariantCulture)}");
        }
        return (double)number;
    }

    public static string FormatPercent(double probability) => Plain((decimal)probability * 100) + "%";

    public static string FormatTime(TimeSpan time)
    {
        if (time == TimeSpan.Zero)
        {
            return "0";
        }
        var (suffix, ticks) = time.Ticks >= TimeSpan.TicksPerSecond ? TimeUnits[2] : time.Ticks >= TimeSpan.TicksPerMillisecond ? TimeUnits[1] : TimeUnits[0];
        return Plain((decimal)time.Ticks / ticks) + suffix;
    }

    public static string FormatBitRate(double bitsPerSecond)
    {
        decimal bits = (decimal)bitsPerSecond;
        return bits >= 1e9m && bits % 1e7m == 0 ? Plain(bits / 1e9m) + "gbit"
            : bits >= 1e6m && bits % 1e4m == 0 ? Plain(bits / 1e6m) + "mbit"
            : bits >= 1e3m && bits % 10m == 0 ? Plain(bits / 1e3m) + "kbit"
            : Plain(bits) + "bit";
    }

    public static string FormatByteRate(double bytesPerSecond)
    {
        decimal bytes = (decimal)bytesPerSecond;
        return bytes >= 1e6m && bytes % 1e4m == 0 ? Plain(bytes / 1e6m) + "MB/s"
            : bytes >= 1e3m && bytes % 10m == 0 ? Plain(bytes / 1e3m) + "KB/s"
            : Plain(bytes) + "B/s";
    }

    public static string FormatSize(long bytes) =>
        bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)}MB"
        : bytes >= 1024 && bytes % 1024 == 0 ? $"{bytes / 1024}KB"
        : bytes.ToString(CultureInfo.InvariantCulture);

    public static string FormatNumber(double value) => Plain((decimal)value);

    private static string Plain(decimal value) => value.ToString(PlainNumber, CultureInfo.InvariantCulture);

    private static decimal Number(string text, string part, string what)
    {
        if (text.StartsWith('-'))
        {
            throw new ImpairmentSpecException(part, $"{what} is not negative");
        }
        if (text.Length == 0 || text.Length > 20 || !text.All(c => c is (>= '0' and <= '9') or '.')
            || !decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value))
        {
            throw new ImpairmentSpecException(part, $"'{text}' is not a number");
        }
        return value;
    }

    private static string Example(string part, string value)
    {
        int equals = part.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? value : $"{part[..(equals + 1)]}{value}";
    }
}
