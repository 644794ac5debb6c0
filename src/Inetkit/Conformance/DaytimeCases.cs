using System.Globalization;
using System.Text;
using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>RFC 867, the daytime protocol: the date and time as one line of text, then the close.</summary>
internal static class DaytimeCases
{
    private const string Rfc = "RFC 867";

    private const string TcpQuote = "Once a connection is established the current date and time is sent out the connection as a ascii character string (and any data received is thrown away). The service closes the connection after sending the quote.";

    private const string UdpQuote = "When a datagram is received, an answering datagram is sent containing the current date and time as a ASCII character string (the data in the received datagram is ignored).";

    private const string SyntaxQuote = "There is no specific syntax for the daytime. It is recommended that it be limited to the ASCII printing characters, space, carriage return, and line feed. The daytime should be just one line.";

    private static readonly byte[] Question = "what time is it?\r\n"u8.ToArray();

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        new(ServiceKind.Daytime, Transport.Tcp, "string-then-close", CaseLevel.Must, Rfc, TcpQuote, c => MessageChecks.TcpMessageAsync(c, [])),
        new(ServiceKind.Daytime, Transport.Tcp, "input-ignored", CaseLevel.Must, Rfc, TcpQuote, c => MessageChecks.TcpMessageAsync(c, Question)),
        new(ServiceKind.Daytime, Transport.Tcp, "one-line", CaseLevel.Should, Rfc, SyntaxQuote, async c => OneLine((await MessageChecks.ReadAsync(c, [])).Received)),
        new(ServiceKind.Daytime, Transport.Tcp, "printable-ascii", CaseLevel.Should, Rfc, SyntaxQuote, async c => MessageChecks.Printable((await MessageChecks.ReadAsync(c, [])).Received)),
        new(ServiceKind.Daytime, Transport.Tcp, "clock", CaseLevel.Info, Rfc, SyntaxQuote, async c => Clock(c, (await MessageChecks.ReadAsync(c, [])).Received)),
        new(ServiceKind.Daytime, Transport.Udp, "any-datagram", CaseLevel.Must, Rfc, UdpQuote, c => MessageChecks.UdpMessageAsync(c, Question, "the date")),
        new(ServiceKind.Daytime, Transport.Udp, "empty-datagram", CaseLevel.Must, Rfc, UdpQuote, c => MessageChecks.UdpMessageAsync(c, [], "the date")),
        new(ServiceKind.Daytime, Transport.Udp, "one-line", CaseLevel.Should, Rfc, SyntaxQuote, c => MessageChecks.OnDatagramAsync(c, Question, OneLine)),
        new(ServiceKind.Daytime, Transport.Udp, "printable-ascii", CaseLevel.Should, Rfc, SyntaxQuote, c => MessageChecks.OnDatagramAsync(c, Question, MessageChecks.Printable)),
        .. DatagramCases.For(ServiceKind.Daytime, Rfc, UdpQuote),
    ];

    private static CaseOutcome OneLine(byte[] message)
    {
        const string Expected = "one line (a line end at the end at most)";
        string text = Encoding.Latin1.GetString(message).TrimEnd('\r', '\n');
        int lineEnd = text.IndexOfAny(['\r', '\n']);
        return message.Length == 0 ? CaseOutcome.Fail(Expected, "no message")
            : lineEnd < 0 ? CaseOutcome.Pass(Expected, "one line")
            : CaseOutcome.Fail(Expected, $"{text.Count(c => c == '\n') + 1} lines (a line end at offset {lineEnd:N0})");
    }

    /// <summary>
    /// The formats daytime servers are seen to send, each read as UTC: BSD inetd's ctime (day padded with a space),
    /// RFC 1123 (as HTTP dates), xinetd's "SMTP format" (RFC 822's date without the weekday, upper-case month, local
    /// time named by its zone: read when that is UTC or GMT) and RFC 3339. RFC 867 prescribes none, nor a time zone.
    /// </summary>
    private static readonly (string Name, string[] Patterns)[] Formats =
    [
        ("ctime", ["ddd MMM d HH:mm:ss yyyy"]),
        ("RFC 1123", ["ddd, dd MMM yyyy HH:mm:ss 'GMT'", "ddd, d MMM yyyy HH:mm:ss 'GMT'"]),
        ("xinetd's RFC 822", ["dd MMM yyyy HH:mm:ss 'UTC'", "dd MMM yyyy HH:mm:ss 'GMT'"]),
        ("RFC 3339", ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss"]),
    ];

    private static CaseOutcome Clock(CaseContext context, byte[] message)
    {
        const string Expected = "a format known, within 2 s of the local clock";
        string text = Encoding.ASCII.GetString(message).Trim();
        string single = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        foreach ((string name, string[] patterns) in Formats)
        {
            if (DateTimeOffset.TryParseExact(single, patterns, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time))
            {
                double off = (time - context.Clock.GetUtcNow()).TotalSeconds;
                string got = $"{name}, {Math.Abs(off):N0} s {(off >= 0 ? "ahead of" : "behind")} the local clock";
                if (Math.Abs(off) <= TimeCases.Tolerance.TotalSeconds)
                {
                    return CaseOutcome.Pass(Expected, got);
                }
                double halfHours = off / 1800;
                bool zone = Math.Abs(off) <= 14 * 3600 + 2 && Math.Abs((halfHours - Math.Round(halfHours)) * 1800) <= TimeCases.Tolerance.TotalSeconds;
                return CaseOutcome.Notice(Expected, zone ? $"{got}: a whole time-zone offset, so most likely local time (RFC 867 names no zone; UTC is what clients assume)" : got);
            }
        }
        return CaseOutcome.Pass(Expected, $"a format not recognised (not ctime, RFC 1123, xinetd's RFC 822 or RFC 3339): \"{(text.Length > 60 ? text[..60] + "..." : text)}\"");
    }
}
