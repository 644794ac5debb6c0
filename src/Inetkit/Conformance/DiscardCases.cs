using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>RFC 863, the discard protocol: everything is read and thrown away, nothing is sent.</summary>
internal static class DiscardCases
{
    private const string Rfc = "RFC 863";

    private const string UdpQuote = "When a datagram is received, it is thrown away. No response is sent.";

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        new(ServiceKind.Discard, Transport.Tcp, "1mib-nothing-back", CaseLevel.Must, Rfc,
            "Once a connection is established any data received is thrown away. No response is sent.", NothingBackAsync),
        new(ServiceKind.Discard, Transport.Tcp, "closes-after-half-close", CaseLevel.Should, Rfc,
            "This continues until the calling user terminates the connection.", ClosesAfterHalfCloseAsync),
        new(ServiceKind.Discard, Transport.Udp, "nothing-back", CaseLevel.Must, Rfc,
            UdpQuote, NothingBackUdpAsync),
        .. DatagramCases.For(ServiceKind.Discard, Rfc, UdpQuote),
    ];

    private const int MiB = 1 << 20;

    /// <summary>Sends 1 MiB, half-closes, and reads: what came back, and whether the server closed.</summary>
    private static Task<StreamReply> SendAndHalfCloseAsync(CaseContext context) =>
        StreamExchange.RunAsync(context, EchoCases.Payload(MiB, seed: 863), 64 * 1024, halfClose: true, enough: long.MaxValue);

    private static async Task<CaseOutcome> NothingBackAsync(CaseContext context)
    {
        const string Expected = "nothing back for 1,048,576 bytes sent";
        long received = (await SendAndHalfCloseAsync(context)).Received.Length;
        return received == 0 ? CaseOutcome.Pass(Expected, "nothing") : CaseOutcome.Fail(Expected, $"{received:N0} bytes came back");
    }

    private static async Task<CaseOutcome> ClosesAfterHalfCloseAsync(CaseContext context)
    {
        const string Expected = "the server closes after reading all 1,048,576 bytes and our half-close";
        return (await SendAndHalfCloseAsync(context)).ServerClosed
            ? CaseOutcome.Pass(Expected, "it did: everything was read")
            : CaseOutcome.Fail(Expected, $"it did not close within {ClientSocket.Seconds(context.Options.Timeout)} of our half-close (or reset the connection)");
    }

    private static async Task<CaseOutcome> NothingBackUdpAsync(CaseContext context)
    {
        const string Expected = "no reply to a datagram";
        byte[]? reply = await context.ExchangeAsync("discard me\r\n"u8.ToArray(), once: true);
        return reply is null ? CaseOutcome.Pass(Expected, $"none within {ClientSocket.Seconds(context.Options.Timeout)}") : CaseOutcome.Fail(Expected, $"a {reply.Length:N0}-byte reply");
    }
}
