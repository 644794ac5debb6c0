using Inetkit.Protocol;

namespace Inetkit.Services;

/// <summary>
/// RFC 864. TCP: the 72-character line pattern until the client goes away (what it sends is read and dropped,
/// as BSD inetd does, and a half-close does not stop the stream). UDP: one datagram of up to 512 characters per
/// request, each starting on the line after the previous one.
/// </summary>
public sealed class ChargenService : IInetService
{
    // Nine periods (63,270 bytes) per write: one system call moves a socket buffer's worth.
    private static readonly ReadOnlyMemory<byte> StreamChunk = BuildChunk(9 * ChargenPattern.PeriodLength);

    private long _nextDatagramLine = -1;

    /// <inheritdoc/>
    public ServiceKind Kind => ServiceKind.Chargen;

    /// <inheritdoc/>
    public async ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Input must be read, or a client that sends would fill our receive buffer and stall on its own send.
        Task drain = Task.Run(() => DiscardService.DrainAsync(connection, done.Token).AsTask(), CancellationToken.None);
        try
        {
            while (true)
            {
                await connection.WriteAsync(StreamChunk, cancellationToken);
            }
        }
        finally
        {
            await done.CancelAsync();
            try
            {
                await drain;
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // The drain ends with the connection; how it ended does not matter once sending has stopped.
            }
        }
    }

    /// <inheritdoc/>
    public bool TryRespond(ReadOnlySpan<byte> request, Span<byte> response, out int length)
    {
        length = Math.Min(ChargenPattern.MaxDatagram, response.Length);
        if (length == 0)
        {
            return false;
        }
        long line = Interlocked.Increment(ref _nextDatagramLine) % ChargenPattern.RingSize;
        ChargenPattern.Slice(line * ChargenPattern.LineLength, length).Span.CopyTo(response);
        return true;
    }

    private static byte[] BuildChunk(int length)
    {
        var chunk = new byte[length];
        ChargenPattern.Fill(chunk);
        return chunk;
    }
}
