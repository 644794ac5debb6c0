using Inetkit.Clients;
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
        using ClientSocket socket = await context.ConnectAsync();
        Task writing = WriteAsync(socket, data, piece, halfClose, context.Cancellation);
        var echoed = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        string? ending = null;
        try
        {
            // Read while writing: a server that echoes as it reads would otherwise stall on full buffers.
            while (echoed.Length < data.Length || halfClose)
            {
                int read = await socket.ReceiveAsync(buffer, context.Cancellation);
                if (read == 0)
                {
                    ending = "the server closed";
                    break;
                }
                echoed.Write(buffer, 0, read);
                if (echoed.Length > data.Length)
                {
                    break;
                }
            }
        }
        catch (ClientException e) when (e.Failure == ClientFailure.Timeout)
        {
            ending = $"then nothing within {ClientSocket.Seconds(context.Options.Timeout)}";
        }
        catch (ClientException e) when (e.Failure == ClientFailure.Unreachable)
        {
            ending = "the server reset the connection";
        }
        if (!writing.IsCompleted)
        {
            // The reading ended first (a close, a reset, silence): a writer stalled on a server that stopped
            // reading would wait for ever.
            socket.Dispose();
        }
        await WaitQuietlyAsync(writing);
        byte[] got = echoed.ToArray();
        CaseOutcome outcome = CaseOutcome.SameBytes(expected, data, got);
        if (outcome.Verdict == Verdict.Pass && halfClose && ending != "the server closed")
        {
            return CaseOutcome.Fail(expected, $"all {got.Length:N0} bytes back, but {ending ?? "more came"}: the server did not close after our half-close");
        }
        return outcome.Verdict == Verdict.Fail && ending is not null ? outcome with { Got = $"{outcome.Got} ({ending})" } : outcome;
    }

    private static async Task WriteAsync(ClientSocket socket, byte[] data, int piece, bool halfClose, CancellationToken cancellationToken)
    {
        for (int at = 0; at < data.Length; at += piece)
        {
            await socket.SendAsync(data.AsMemory(at, Math.Min(piece, data.Length - at)), cancellationToken);
        }
        if (halfClose)
        {
            socket.ShutdownSend();
        }
    }

    /// <summary>A write that failed because the server closed or reset is already told by what came back.</summary>
    private static async Task WaitQuietlyAsync(Task writing)
    {
        try
        {
            await writing;
        }
        catch (Exception e) when (e is ClientException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
        }
    }
}
