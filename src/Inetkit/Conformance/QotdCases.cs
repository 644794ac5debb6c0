using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>RFC 865, the quote of the day: one short message per connection or datagram, whatever the client sent.</summary>
internal static class QotdCases
{
    private const string Rfc = "RFC 865";

    private const string TcpQuote = "Once a connection is established a short message is sent out the connection (and any data received is thrown away). The service closes the connection after sending the quote.";

    private const string UdpQuote = "When a datagram is received, an answering datagram is sent containing a quote (the data in the received datagram is ignored).";

    private const string LengthQuote = "The quote may be just one or up to several lines, but it should be less than 512 characters.";

    private const string CharactersQuote = "It is recommended that it be limited to the ASCII printing characters, space, carriage return, and line feed.";

    private static readonly byte[] Question = "what is the quote of the day?\r\n"u8.ToArray();

    /// <summary>More than any quote should be: a server that sends this much without closing is not serving qotd.</summary>
    private const int ReadLimit = 64 * 1024;

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        new(ServiceKind.Qotd, Transport.Tcp, "one-message-then-close", CaseLevel.Must, Rfc, TcpQuote, c => TcpMessageAsync(c, [])),
        new(ServiceKind.Qotd, Transport.Tcp, "input-ignored", CaseLevel.Must, Rfc, TcpQuote, c => TcpMessageAsync(c, Question)),
        new(ServiceKind.Qotd, Transport.Tcp, "under-512-characters", CaseLevel.Should, Rfc, LengthQuote, async c => Length((await ReadQuoteAsync(c, [])).Received)),
        new(ServiceKind.Qotd, Transport.Tcp, "printable-ascii", CaseLevel.Should, Rfc, CharactersQuote, async c => Characters((await ReadQuoteAsync(c, [])).Received)),
        new(ServiceKind.Qotd, Transport.Udp, "any-datagram", CaseLevel.Must, Rfc, UdpQuote, c => UdpMessageAsync(c, Question)),
        new(ServiceKind.Qotd, Transport.Udp, "empty-datagram", CaseLevel.Must, Rfc, UdpQuote, c => UdpMessageAsync(c, [])),
        new(ServiceKind.Qotd, Transport.Udp, "under-512-characters", CaseLevel.Should, Rfc, LengthQuote,
            async c => await c.ExchangeAsync(Question) is { } quote ? Length(quote) : CaseOutcome.Fail("a quote", c.Silence)),
        new(ServiceKind.Qotd, Transport.Udp, "printable-ascii", CaseLevel.Should, Rfc, CharactersQuote,
            async c => await c.ExchangeAsync(Question) is { } quote ? Characters(quote) : CaseOutcome.Fail("a quote", c.Silence)),
    ];

    /// <summary>What the server sent after <paramref name="request"/>, and whether it then closed.</summary>
    private static Task<StreamReply> ReadQuoteAsync(CaseContext context, byte[] request) =>
        StreamExchange.RunAsync(context, request, Math.Max(1, request.Length), halfClose: false, enough: ReadLimit + 1);

    private static async Task<CaseOutcome> TcpMessageAsync(CaseContext context, byte[] request)
    {
        string expected = request.Length == 0 ? "a message, then the server closes" : $"a message whatever we send ({request.Length} bytes here), then the server closes";
        StreamReply reply = await ReadQuoteAsync(context, request);
        byte[] quote = reply.Received;
        if (!reply.ServerClosed)
        {
            return CaseOutcome.Fail(expected, $"{quote.Length:N0} bytes, {(quote.Length > ReadLimit ? "and more" : reply.Ending ?? "and more")}: the server did not close after its message");
        }
        return quote switch
        {
            [] => CaseOutcome.Fail(expected, "the server closed without a message"),
            _ when request.Length > 0 && quote.AsSpan().SequenceEqual(request) => CaseOutcome.Fail(expected, "our own bytes back: that is an echo, not a quote"),
            _ => CaseOutcome.Pass(expected, $"{quote.Length:N0} bytes, then the server closed"),
        };
    }

    private static async Task<CaseOutcome> UdpMessageAsync(CaseContext context, byte[] request)
    {
        string expected = request.Length == 0 ? "a quote in answer to an empty datagram" : "a quote in answer to any datagram";
        byte[]? quote = await context.ExchangeAsync(request);
        return quote switch
        {
            null => CaseOutcome.Fail(expected, context.Silence),
            [] => CaseOutcome.Fail(expected, "an empty datagram"),
            _ => CaseOutcome.Pass(expected, $"{quote.Length:N0} bytes"),
        };
    }

    private static CaseOutcome Length(byte[] quote)
    {
        const string Expected = "under 512 characters";
        return quote.Length == 0 ? CaseOutcome.Fail(Expected, "no quote")
            : quote.Length < 512 ? CaseOutcome.Pass(Expected, $"{quote.Length:N0}")
            : CaseOutcome.Fail(Expected, $"{quote.Length:N0} bytes");
    }

    private static CaseOutcome Characters(byte[] quote)
    {
        const string Expected = "ASCII printing characters, space, CR and LF only";
        if (quote.Length == 0)
        {
            return CaseOutcome.Fail(Expected, "no quote");
        }
        int bad = Array.FindIndex(quote, b => b is not ((>= 0x20 and <= 0x7E) or (byte)'\r' or (byte)'\n'));
        return bad < 0 ? CaseOutcome.Pass(Expected, $"{quote.Length:N0} bytes, all of them")
            : CaseOutcome.Fail(Expected, $"0x{quote[bad]:X2} at offset {bad:N0}{(quote[bad] >= 0x80 ? " (not ASCII: UTF-8 or another encoding)" : " (a control character)")}");
    }
}
