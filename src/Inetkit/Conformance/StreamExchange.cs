using Inetkit.Clients;

namespace Inetkit.Conformance;

/// <summary>What came back over one TCP connection while we wrote, and how the reading ended (null: it had enough).</summary>
internal sealed record StreamReply(byte[] Received, string? Ending, bool AllWritten)
{
    /// <summary>The server closed, and only after taking everything we wrote.</summary>
    public bool ServerClosed => Ending == StreamExchange.Closed && AllWritten;
}

/// <summary>
/// Writes data in pieces over one connection while reading what comes back (a server that answers as it reads
/// would otherwise stall on full buffers), optionally half-closing after the last piece.
/// </summary>
internal static class StreamExchange
{
    public const string Closed = "the server closed";

    public const string Reset = "the server reset the connection";

    /// <summary>Reads until the server closes, resets or goes silent, or more than <paramref name="enough"/> bytes have come.</summary>
    public static async Task<StreamReply> RunAsync(CaseContext context, byte[] data, int piece, bool halfClose, long enough)
    {
        using ClientSocket socket = await context.ConnectAsync();
        Task writing = WriteAsync(socket, data, piece, halfClose, context.Cancellation);
        var received = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        string? ending = null;
        try
        {
            while (received.Length < enough)
            {
                int read = await socket.ReceiveAsync(buffer, context.Cancellation);
                if (read == 0)
                {
                    ending = Closed;
                    break;
                }
                received.Write(buffer, 0, read);
            }
        }
        catch (ClientException e) when (e.Failure == ClientFailure.Timeout)
        {
            ending = $"then nothing within {ClientSocket.Seconds(context.Options.Timeout)}";
        }
        catch (ClientException e) when (e.Failure == ClientFailure.Unreachable)
        {
            ending = Reset;
        }
        if (!writing.IsCompleted)
        {
            // The reading ended first: a writer stalled on a server that stopped reading would wait for ever.
            socket.Dispose();
        }
        bool allWritten = true;
        try
        {
            await writing;
        }
        catch (Exception e) when (e is ClientException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // A server that closed or stopped reading before it had everything.
            allWritten = false;
        }
        return new StreamReply(received.ToArray(), ending, allWritten);
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
}
