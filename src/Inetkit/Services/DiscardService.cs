using System.Buffers;
using Inetkit.Protocol;

namespace Inetkit.Services;

/// <summary>RFC 863: reads and drops everything; never answers.</summary>
public sealed class DiscardService : IInetService, ITcpInputService
{
    private const int BufferSize = 64 * 1024;

    /// <inheritdoc/>
    public bool EchoesInput => false;

    /// <inheritdoc/>
    public ServiceKind Kind => ServiceKind.Discard;

    /// <inheritdoc/>
    public async ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await DrainAsync(connection, cancellationToken);
    }

    /// <summary>Reads and drops until end of stream.</summary>
    internal static async ValueTask DrainAsync(Stream connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            _ = await connection.ReadAsync(Memory<byte>.Empty, cancellationToken);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                if (await connection.ReadAsync(buffer, cancellationToken) == 0)
                {
                    return;
                }
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
        length = 0;
        return false;
    }
}
