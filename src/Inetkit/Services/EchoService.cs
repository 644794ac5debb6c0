using System.Buffers;
using Inetkit.Protocol;

namespace Inetkit.Services;

/// <summary>RFC 862: every byte back until the client closes; each datagram back unchanged (0 to 65,507 bytes).</summary>
public sealed class EchoService : IInetService
{
    // A connection that has sent something keeps a small buffer and reads straight into it: no zero-byte read to wait
    // with, so a message costs one recv and one send, as in a C server. Connections that never send hold none.
    private const int SmallBuffer = 16 * 1024;

    // A read that fills the small buffer says more is waiting: take a large one from the pool for the rest.
    private const int LargeBuffer = 64 * 1024;

    /// <inheritdoc/>
    public ServiceKind Kind => ServiceKind.Echo;

    /// <inheritdoc/>
    public async ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // Wait for the first byte before taking any buffer, so a connection that never sends holds none.
        _ = await connection.ReadAsync(Memory<byte>.Empty, cancellationToken);
        byte[] small = ArrayPool<byte>.Shared.Rent(SmallBuffer);
        try
        {
            while (true)
            {
                int read = await connection.ReadAsync(small, cancellationToken);
                if (read == 0)
                {
                    return;
                }
                // Writing before reading again is the back-pressure: a client that never reads stalls here,
                // its data waits in the kernel's buffers, and nothing grows in ours.
                await connection.WriteAsync(small.AsMemory(0, read), cancellationToken);
                if (read == small.Length && !await EchoBulkAsync(connection, cancellationToken))
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(small);
        }
    }

    /// <summary>Echoes with a large buffer while reads keep filling it; false if the client closed meanwhile.</summary>
    private static async ValueTask<bool> EchoBulkAsync(Stream connection, CancellationToken cancellationToken)
    {
        byte[] large = ArrayPool<byte>.Shared.Rent(LargeBuffer);
        try
        {
            int read;
            do
            {
                read = await connection.ReadAsync(large, cancellationToken);
                if (read == 0)
                {
                    return false;
                }
                await connection.WriteAsync(large.AsMemory(0, read), cancellationToken);
            }
            while (read == large.Length);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(large);
        }
    }

    /// <inheritdoc/>
    public bool TryRespond(ReadOnlySpan<byte> request, Span<byte> response, out int length)
    {
        if (request.Length > response.Length)
        {
            length = 0;
            return false;
        }
        request.CopyTo(response);
        length = request.Length;
        return true;
    }
}
