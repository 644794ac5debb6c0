using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>RFC 862 over TCP: every byte comes back, in order, however it was written, and the end too.</summary>
internal static class EchoStreamCases
{
    private const string Rfc = "RFC 862";

    private const string Quote = "Once a connection is established any data received is sent back.";

    private const int MiB = 1 << 20;

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        new(ServiceKind.Echo, Transport.Tcp, "one-byte", CaseLevel.Must, Rfc, Quote, c => RoundTripAsync(c, "x"u8.ToArray(), 1, halfClose: false)),
        new(ServiceKind.Echo, Transport.Tcp, "line", CaseLevel.Must, Rfc, Quote, c => RoundTripAsync(c, "Hello World\r\n"u8.ToArray(), 13, halfClose: false)),
        new(ServiceKind.Echo, Transport.Tcp, "1mib-small-pieces", CaseLevel.Must, Rfc, Quote, c => RoundTripAsync(c, EchoCases.Payload(MiB, seed: 1), 100, halfClose: false)),
        new(ServiceKind.Echo, Transport.Tcp, "1mib-large-pieces", CaseLevel.Must, Rfc, Quote, c => RoundTripAsync(c, EchoCases.Payload(MiB, seed: 2), 64 * 1024, halfClose: false)),
        new(ServiceKind.Echo, Transport.Tcp, "half-close", CaseLevel.Must, Rfc,
            "Once a connection is established any data received is sent back. This continues until the calling user terminates the connection.",
            c => RoundTripAsync(c, EchoCases.Payload(256 * 1024, seed: 3), 64 * 1024, halfClose: true)),
    ];

    /// <summary>
    /// Writes <paramref name="data"/> in pieces while reading the echo; with <paramref name="halfClose"/>, shuts our
    /// side after the last piece and expects the rest of the echo and then the server's close.
    /// </summary>
    private static async Task<CaseOutcome> RoundTripAsync(CaseContext context, byte[] data, int piece, bool halfClose)
    {
        string expected = halfClose
            ? $"the {data.Length:N0} bytes sent before our half-close back, then the server's close"
            : $"the {data.Length:N0} bytes back, written {(piece >= data.Length ? "at once" : $"in pieces of {piece:N0}")}";
        StreamReply reply = await StreamExchange.RunAsync(context, data, piece, halfClose, enough: halfClose ? data.Length + 1 : data.Length);
        CaseOutcome outcome = CaseOutcome.SameBytes(expected, data, reply.Received);
        if (outcome.Verdict == Verdict.Pass && halfClose && !reply.ServerClosed)
        {
            return CaseOutcome.Fail(expected, $"all {reply.Received.Length:N0} bytes back, but {reply.Ending ?? "more came"}: the server did not close after our half-close");
        }
        return outcome.Verdict == Verdict.Fail && reply.Ending is not null ? outcome with { Got = $"{outcome.Got} ({reply.Ending})" } : outcome;
    }
}
