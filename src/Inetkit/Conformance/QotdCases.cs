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

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        new(ServiceKind.Qotd, Transport.Tcp, "one-message-then-close", CaseLevel.Must, Rfc, TcpQuote, c => MessageChecks.TcpMessageAsync(c, [])),
        new(ServiceKind.Qotd, Transport.Tcp, "input-ignored", CaseLevel.Must, Rfc, TcpQuote, c => MessageChecks.TcpMessageAsync(c, Question)),
        new(ServiceKind.Qotd, Transport.Tcp, "under-512-characters", CaseLevel.Should, Rfc, LengthQuote, async c => Length((await MessageChecks.ReadAsync(c, [])).Received)),
        new(ServiceKind.Qotd, Transport.Tcp, "printable-ascii", CaseLevel.Should, Rfc, CharactersQuote, async c => MessageChecks.Printable((await MessageChecks.ReadAsync(c, [])).Received)),
        new(ServiceKind.Qotd, Transport.Udp, "any-datagram", CaseLevel.Must, Rfc, UdpQuote, c => MessageChecks.UdpMessageAsync(c, Question, "a quote")),
        new(ServiceKind.Qotd, Transport.Udp, "empty-datagram", CaseLevel.Must, Rfc, UdpQuote, c => MessageChecks.UdpMessageAsync(c, [], "a quote")),
        new(ServiceKind.Qotd, Transport.Udp, "under-512-characters", CaseLevel.Should, Rfc, LengthQuote,
            c => MessageChecks.OnDatagramAsync(c, Question, Length)),
        new(ServiceKind.Qotd, Transport.Udp, "printable-ascii", CaseLevel.Should, Rfc, CharactersQuote,
            c => MessageChecks.OnDatagramAsync(c, Question, MessageChecks.Printable)),
        .. DatagramCases.For(ServiceKind.Qotd, Rfc, UdpQuote),
    ];

    private static CaseOutcome Length(byte[] quote)
    {
        const string Expected = "under 512 characters";
        return quote.Length == 0 ? CaseOutcome.Fail(Expected, "no quote")
            : quote.Length < 512 ? CaseOutcome.Pass(Expected, $"{quote.Length:N0} bytes")
            : CaseOutcome.Fail(Expected, $"{quote.Length:N0} bytes");
    }
}
