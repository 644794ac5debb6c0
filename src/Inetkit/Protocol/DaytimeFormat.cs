using System.Globalization;
using System.Text;

namespace Inetkit.Protocol;

/// <summary>
/// How the daytime service (RFC 867) writes its line. RFC 867 asks only for human-readable ASCII; the default is
/// the ctime shape BSD inetd uses (<c>Thu Feb  7 06:28:16 2036</c>), in UTC.
/// </summary>
public sealed class DaytimeFormat
{
    private readonly string? _pattern;

    private DaytimeFormat(string name, string? pattern)
    {
        Name = name;
        _pattern = pattern;
    }

    /// <summary>
    /// The line changes at most once a second (no fraction-of-a-second field), so one formatted line can answer
    /// every request of that second. Named formats do; a custom pattern is asked at two instants of one second.
    /// </summary>
    public bool WholeSeconds { get; private init; } = true;

    /// <summary>ctime(3): <c>Thu Feb  7 06:28:16 2036</c> (day of month padded with a space).</summary>
    public static DaytimeFormat Ctime { get; } = new("ctime", null);

    /// <summary>RFC 3339 / ISO 8601 in UTC: <c>2036-02-07T06:28:16Z</c>.</summary>
    public static DaytimeFormat Rfc3339 { get; } = new("rfc3339", "yyyy-MM-dd'T'HH:mm:ss'Z'");

    /// <summary>RFC 1123 (as in HTTP dates): <c>Thu, 07 Feb 2036 06:28:16 GMT</c>.</summary>
    public static DaytimeFormat Rfc1123 { get; } = new("rfc1123", "ddd, dd MMM yyyy HH:mm:ss 'GMT'");

    /// <summary>The name it was chosen by (a named format, or the custom pattern itself).</summary>
    public string Name { get; }

    /// <summary>
    /// Parses <c>ctime</c>, <c>rfc3339</c> (or <c>iso8601</c>), <c>rfc1123</c> (or <c>http</c>), or else a .NET
    /// custom date and time format string such as <c>"yyyy-MM-dd HH:mm:ss"</c>.
    /// </summary>
    /// <exception cref="FormatException">The pattern is empty, invalid, or gives characters other than printable ASCII.</exception>
    public static DaytimeFormat Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "ctime": return Ctime;
            case "rfc3339" or "iso8601": return Rfc3339;
            case "rfc1123" or "http": return Rfc1123;
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException("the daytime format is empty; use ctime, rfc3339, rfc1123 or a .NET date format such as \"yyyy-MM-dd HH:mm:ss\"");
        }
        var format = new DaytimeFormat(text, text);
        string sample;
        var instant = new DateTimeOffset(2036, 2, 7, 6, 28, 16, TimeSpan.Zero);
        try
        {
            sample = format.FormatText(instant);
            format = new DaytimeFormat(text, text) { WholeSeconds = sample == format.FormatText(instant.AddTicks(TimeSpan.TicksPerSecond - 1)) };
        }
        catch (FormatException)
        {
            throw new FormatException($"\"{text}\" is not a valid date format; use ctime, rfc3339, rfc1123 or a .NET date format such as \"yyyy-MM-dd HH:mm:ss\"");
        }
        if (sample.Length == 0 || sample.Length > 500 || sample.Any(c => c is < ' ' or > '~'))
        {
            throw new FormatException($"the daytime format \"{text}\" must give one line of printable ASCII (RFC 867)");
        }
        return format;
    }

    /// <summary>The line for <paramref name="instant"/> (converted to UTC), without CRLF.</summary>
    public string FormatText(DateTimeOffset instant)
    {
        DateTime utc = instant.UtcDateTime;
        if (_pattern is not null)
        {
            return utc.ToString(_pattern, CultureInfo.InvariantCulture);
        }
        // ctime pads the day of month with a space, which no .NET format specifier does.
        return string.Create(CultureInfo.InvariantCulture, $"{utc:ddd MMM} {utc.Day,2} {utc:HH:mm:ss yyyy}");
    }

    /// <summary>The line for <paramref name="instant"/> as ASCII bytes with CRLF.</summary>
    public byte[] FormatLine(DateTimeOffset instant) => Encoding.ASCII.GetBytes(FormatText(instant) + "\r\n");

    /// <inheritdoc/>
    public override string ToString() => Name;
}
