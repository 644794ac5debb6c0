using System.Buffers;
using Inetkit.Protocol;

namespace Inetkit.Services;

/// <summary>RFC 862: every byte back until the client closes; each datagram back unchanged (0 to 65,507 bytes).</summary>
public sealed class EchoService : IInetService, ITcpInputService
{
    // Large enough for a full-size write per loop turn, small enough that thousands of active clients stay cheap.
    private const int BufferSize = 16 * 1024;

    /// <inheritdoc/>
    public bool EchoesInput => true;

    /// <inheritdoc/>
    public ServiceKind Kind => ServiceKind.Echo;

    /// <inheritdoc/>
    public async ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        while (true)
        {
            // Wait for data before renting a buffer, so an idle connection holds none.
            _ = await connection.ReadAsync(Memory<byte>.Empty, cancellationToken);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                int read = await connection.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return;
                }
                // Writing before reading again is the back-pressure: a client that never reads stalls here,
                // its data waits in the kernel's buffers, and nothing grows in ours.
                await connection.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
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
