using Inetkit.Protocol;

namespace Inetkit.Services;

/// <summary>RFC 868: four bytes, big-endian seconds since 1900-01-01 UTC (wrapping in 2036).</summary>
public sealed class TimeService(TimeProvider clock) : IInetService, ITcpReplyService
{
    /// <inheritdoc/>
    public ServiceKind Kind => ServiceKind.Time;

    /// <inheritdoc/>
    public async ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var reply = new byte[4];
        Rfc868Time.Write(clock.GetUtcNow(), reply);
        await connection.WriteAsync(reply, cancellationToken);
    }

    /// <inheritdoc/>
    public bool TryRespond(ReadOnlySpan<byte> request, Span<byte> response, out int length) => TryWriteReply(response, out length);

    /// <inheritdoc/>
    public bool TryWriteReply(Span<byte> reply, out int length)
    {
        length = 4;
        if (reply.Length < length)
        {
            return false;
        }
        Rfc868Time.Write(clock.GetUtcNow(), reply);
        return true;
    }
}
