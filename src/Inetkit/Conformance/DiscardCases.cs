using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>RFC 863, the discard protocol: everything is read and thrown away, nothing is sent.</summary>
internal static class DiscardCases
{
    private const string Rfc = "RFC 863";

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        new(ServiceKind.Discard, Transport.Tcp, "1mib-nothing-back", CaseLevel.Must, Rfc,
            "Once a connection is established any data received is thrown away. No response is sent.", NothingBackAsync),
        new(ServiceKind.Discard, Transport.Tcp, "closes-after-half-close", CaseLevel.Should, Rfc,
            "This continues until the calling user terminates the connection.", ClosesAfterHalfCloseAsync),
        new(ServiceKind.Discard, Transport.Udp, "nothing-back", CaseLevel.Must, Rfc,
            "When a datagram is received, it is thrown away. No response is sent.", NothingBackUdpAsync),
    ];

    private const int MiB = 1 << 20;

    /// <summary>Sends 1 MiB, half-closes, and reads: what came back, and whether the server closed.</summary>
    private static async Task<(long Received, bool Closed)> SendAndHalfCloseAsync(CaseContext context)
    {
        using ClientSocket socket = await context.ConnectAsync();
        byte[] data = EchoCases.Payload(MiB, seed: 863);
        Task writing = Task.Run(async () =>
        {
            for (int at = 0; at < data.Length; at += 64 * 1024)
            {
                await socket.SendAsync(data.AsMemory(at, 64 * 1024), context.Cancellation);
            }
            socket.ShutdownSend();
        }, context.Cancellation);
        long received = 0;
        bool closed = false;
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer, context.Cancellation);
                if (read == 0)
                {
                    closed = true;
                    break;
                }
                received += read;
            }
        }
        catch (ClientException)
        {
            // Silence (the server keeps the connection open) or a reset: neither is a close after our FIN.
        }
        if (!writing.IsCompleted)
        {
            socket.Dispose();
        }
        try
        {
            await writing;
        }
        catch (Exception e) when (e is ClientException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // A server that stopped reading: told by what it did.
        }
        return (received, closed && writing.IsCompletedSuccessfully);
    }

    private static async Task<CaseOutcome> NothingBackAsync(CaseContext context)
    {
        const string Expected = "nothing back for 1,048,576 bytes sent";
        (long received, _) = await SendAndHalfCloseAsync(context);
        return received == 0 ? CaseOutcome.Pass(Expected, "nothing") : CaseOutcome.Fail(Expected, $"{received:N0} bytes came back");
    }

    private static async Task<CaseOutcome> ClosesAfterHalfCloseAsync(CaseContext context)
    {
        const string Expected = "the server closes after reading all 1,048,576 bytes and our half-close";
        (_, bool closed) = await SendAndHalfCloseAsync(context);
        return closed
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
