using System.Net;
using System.Net.Sockets;
using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>
/// What every UDP service is asked alike: that its replies come from the port the client sent to, how much larger
/// than a request its reply is (the amplification factor), and whether it answers a source port below 1024.
/// </summary>
internal static class DatagramCases
{
    private const string AmplificationQuote =
        "US-CERT TA14-017A, UDP-Based Amplification Attacks: a small request with a spoofed source draws a larger reply toward the victim (CharGEN 358.8x, QOTD 140.3x).";

    private const string LowPortQuote =
        "CVE-1999-0103: a datagram from one service's port to another's (echo to chargen) makes the two answer each other forever; a server should not answer ports below 1024.";

    private const string ReplySourceQuote =
        "A client that connect()s its UDP socket, as most do, accepts a reply only from the address and port it sent to.";

    /// <summary>The shared UDP cases of <paramref name="service"/>, at the RFC that defines it.</summary>
    public static IEnumerable<ConformanceCase> For(ServiceKind service, string rfc, string answerQuote)
    {
        bool answers = service != ServiceKind.Discard;
        if (answers)
        {
            // RFC 862 says an echo is sent back; that it comes from the port asked is what makes it an answer at all.
            CaseLevel level = service == ServiceKind.Echo ? CaseLevel.Must : CaseLevel.Should;
            yield return new(service, Transport.Udp, "reply-from-server-port", level, rfc, $"{answerQuote} {ReplySourceQuote}", ReplySourceAsync);
        }
        yield return new(service, Transport.Udp, "amplification", CaseLevel.Info, "RFC 768", AmplificationQuote, c => AmplificationAsync(c, answers));
        yield return new(service, Transport.Udp, "low-source-port", CaseLevel.Info, "RFC 768", LowPortQuote, LowSourcePortAsync);
    }

    private static async Task<CaseOutcome> ReplySourceAsync(CaseContext context)
    {
        string expected = $"the reply from {context.Server}, where the request went";
        if (await context.ExchangeFromAsync("reply-source"u8.ToArray()) is not var (_, from))
        {
            return CaseOutcome.Fail(expected, context.Silence);
        }
        return Same(from, context.Server)
            ? CaseOutcome.Pass(expected, $"from {from}")
            : CaseOutcome.Fail(expected, $"from {from}: a client that connect()s its socket never sees it; reply with sendto() on the socket that received the request");
    }

    private static async Task<CaseOutcome> AmplificationAsync(CaseContext context, bool answers)
    {
        const string Expected = "no reply longer than a 1-byte request";
        List<byte[]> replies = await context.ExchangeAllAsync("x"u8.ToArray(), once: !answers);
        long bytes = replies.Sum(r => (long)r.Length);
        string got = replies.Count switch
        {
            0 => $"no reply within {ClientSocket.Seconds(context.Options.Timeout)}",
            1 => $"{ByteDifference.Bytes(bytes)} in one datagram: amplification {bytes}x",
            _ => $"{ByteDifference.Bytes(bytes)} in {replies.Count} datagrams: amplification {bytes}x",
        };
        return bytes <= 1 ? CaseOutcome.Pass(Expected, got)
            : CaseOutcome.Notice(Expected, $"{got}; beyond loopback, a spoofed request turns this server into a reflector (cap replies at the request's length)");
    }

    private static async Task<CaseOutcome> LowSourcePortAsync(CaseContext context)
    {
        const string Expected = "no answer to a datagram from a port below 1024";
        // The highest port below 1024 that can be bound: the bind itself tells privilege and use apart.
        for (int port = 1023; port >= 1000; port--)
        {
            (byte[] Reply, IPEndPoint From)? reply;
            try
            {
                reply = await context.ExchangeFromAsync("low-source-port"u8.ToArray(), port, once: true);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
            {
                return CaseOutcome.Skip("sending from a port below 1024 needs root (or CAP_NET_BIND_SERVICE); run check as root to see it");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                continue;
            }
            return reply is null
                ? CaseOutcome.Pass(Expected, $"no answer to a datagram from port {port} within {ClientSocket.Seconds(context.Options.Timeout)}")
                : CaseOutcome.Notice(Expected, $"it answered port {port}: a spoofed datagram from another service's port (echo's 7, chargen's 19) starts a loop between the two; drop sources below 1024");
        }
        return CaseOutcome.Skip("no port from 1000 to 1023 is free here to send from");
    }

    private static bool Same(IPEndPoint a, IPEndPoint b) =>
        a.Port == b.Port && Normal(a.Address).Equals(Normal(b.Address));

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
