using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>RFC 864, the character generator: a stream (TCP) or a datagram (UDP) of the 72-column ring pattern.</summary>
internal static class ChargenCases
{
    private const string Rfc = "RFC 864";

    private const string PatternQuote = "There are 95 printing ASCII characters. Sort them into an ordered sequence and number the characters from 0 through 94. Think of the sequence as a ring so that character number 0 follows character number 94. On the first line (line 0) put the characters numbered 0 through 71. On the next line (line 1) put the characters numbered 1 through 72. And so on. On line N, put characters (0+N through 71+N) modulo 95. End each line with carriage return and line feed.";

    private const string UdpQuote = "When a datagram is received, an answering datagram is sent containing a random number (between 0 and 512) of characters (the data in the received datagram is ignored).";

    /// <summary>Two full periods and a line more, from whatever offset the server starts at.</summary>
    private const int StreamLength = (2 * ChargenPattern.PeriodLength) + ChargenPattern.LineLength;

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        new(ServiceKind.Chargen, Transport.Tcp, "pattern-two-periods", CaseLevel.Must, Rfc, PatternQuote, StreamAsync),
        new(ServiceKind.Chargen, Transport.Udp, "pattern-up-to-512", CaseLevel.Must, Rfc, UdpQuote, DatagramAsync),
        .. DatagramCases.For(ServiceKind.Chargen, Rfc, UdpQuote),
    ];

    private static async Task<CaseOutcome> StreamAsync(CaseContext context)
    {
        string expected = $"{StreamLength:N0} bytes of the RFC 864 pattern (72 characters of the 95-character ring 0x20-0x7E, then CRLF)";
        StreamReply reply = await StreamExchange.RunAsync(context, [], 1, halfClose: false, enough: StreamLength);
        byte[] got = reply.Received;
        if (got.Length < StreamLength)
        {
            return CaseOutcome.Fail(expected, $"{got.Length:N0} bytes, then {reply.Ending ?? "nothing"}");
        }
        long wrong = new ChargenVerifier().Check(got.AsSpan(0, StreamLength));
        return wrong < 0
            ? CaseOutcome.Pass(expected, $"{StreamLength:N0} bytes of it")
            : CaseOutcome.Fail(expected, $"byte {wrong:N0} (0x{got[wrong]:X2}) breaks it: {Describe(got)}");
    }

    private static async Task<CaseOutcome> DatagramAsync(CaseContext context)
    {
        const string Expected = "0 to 512 characters of the RFC 864 pattern";
        byte[]? reply = await context.ExchangeAsync("any request\r\n"u8.ToArray());
        if (reply is null)
        {
            return CaseOutcome.Fail(Expected, context.Silence);
        }
        if (reply.Length > ChargenPattern.MaxDatagram)
        {
            long broken = new ChargenVerifier().Check(reply);
            // Too few lines to name a ring by its characters, as the stream case does: the offset says enough.
            string pattern = broken < 0 ? "all of them the pattern" : $"and byte {broken:N0} (0x{reply[broken]:X2}) breaks the pattern";
            return CaseOutcome.Fail(Expected, $"{reply.Length:N0} characters, more than the 512 RFC 864 allows; {pattern}");
        }
        long wrong = new ChargenVerifier().Check(reply);
        return wrong < 0
            ? CaseOutcome.Pass(Expected, $"{reply.Length:N0} characters of it")
            : CaseOutcome.Fail(Expected, $"{reply.Length:N0} bytes; byte {wrong:N0} (0x{reply[wrong]:X2}) breaks the pattern: {Describe(reply)}");
    }

    /// <summary>
    /// What the lines are made of: their width and the ring of characters they cycle through, named by its size and
    /// range (xinetd's is 93 characters, 0x21-0x7D), so a grader sees which pattern a server sends instead.
    /// </summary>
    internal static string Describe(byte[] data)
    {
        List<byte[]> lines = [.. SplitLines(data)];
        if (lines.Count == 0)
        {
            return "no complete line";
        }
        var widths = lines.Select(l => l.Length).Distinct().Order().ToList();
        var ring = lines.SelectMany(l => l).Distinct().Order().ToList();
        string width = widths.Count == 1 ? $"lines of {widths[0]} characters" : $"lines of {widths[0]}-{widths[^1]} characters";
        return $"{width} over a ring of {ring.Count} characters, 0x{ring[0]:X2}-0x{ring[^1]:X2} (RFC 864's: 72 over 95, 0x20-0x7E)";
    }

    /// <summary>The complete lines (ended by CRLF or LF) after the first line end, whose start may be cut.</summary>
    private static IEnumerable<byte[]> SplitLines(byte[] data)
    {
        int start = Array.IndexOf(data, (byte)'\n') + 1;
        if (start == 0)
        {
            yield break;
        }
        for (int end; (end = Array.IndexOf(data, (byte)'\n', start)) >= 0; start = end + 1)
        {
            int length = end - start - (end > start && data[end - 1] == '\r' ? 1 : 0);
            yield return data[start..(start + length)];
        }
    }
}
