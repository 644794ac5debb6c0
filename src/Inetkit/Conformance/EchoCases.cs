using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>RFC 862, the echo protocol: what is sent comes back unchanged.</summary>
internal static class EchoCases
{
    private const string Rfc = "RFC 862";

    private const string UdpQuote = "When a datagram is received, the data from it is sent back in an answering datagram.";

    /// <summary>
    /// Datagram sizes: one byte, a classic 512, the most one Ethernet frame carries (1,472), just past the seed's
    /// recvfrom(4096) and a common 8 KB buffer, and the largest IPv4 allows (65,507).
    /// </summary>
    internal static readonly int[] DatagramSizes = [1, 512, 1472, 4097, 8192, 65507];

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        .. DatagramSizes.Select(size => new ConformanceCase(ServiceKind.Echo, Transport.Udp, $"datagram-{size}", CaseLevel.Must, Rfc, UdpQuote,
            c => SameDatagramAsync(c, Payload(size, seed: size)))),
        new(ServiceKind.Echo, Transport.Udp, "empty-datagram", CaseLevel.Must, Rfc, UdpQuote, c => SameDatagramAsync(c, [])),
        .. DatagramCases.For(ServiceKind.Echo, Rfc, UdpQuote),
    ];

    private static async Task<CaseOutcome> SameDatagramAsync(CaseContext context, byte[] request)
    {
        string expected = $"the same {request.Length:N0} bytes back in one datagram";
        byte[]? reply = await context.ExchangeAsync(request);
        if (reply is null)
        {
            return CaseOutcome.Fail(expected, context.Silence);
        }
        CaseOutcome outcome = CaseOutcome.SameBytes(expected, request, reply);
        if (outcome.Verdict == Verdict.Fail && reply.Length > 0 && reply.Length < request.Length && request.AsSpan().StartsWith(reply))
        {
            // The seed's recvfrom(4096): the kernel drops the rest of a datagram larger than the buffer.
            return outcome with { Got = $"{outcome.Got}: a receive buffer of {reply.Length:N0} bytes cuts larger datagrams (recvfrom({reply.Length})); receive into 65,535" };
        }
        return outcome;
    }

    /// <summary>Bytes that no mistake reproduces by chance: every value, in an order fixed by the seed.</summary>
    internal static byte[] Payload(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
