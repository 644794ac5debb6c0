using Inetkit.Protocol;

namespace Inetkit.Services;

/// <summary>RFC 867: one ASCII line with the current date and time, CRLF-terminated.</summary>
public sealed class DaytimeService(TimeProvider clock, DaytimeFormat format) : IInetService, ITcpReplyService
{
    /// <inheritdoc/>
    public ServiceKind Kind => ServiceKind.Daytime;

    /// <inheritdoc/>
    public async ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.WriteAsync(format.FormatLine(clock.GetUtcNow()), cancellationToken);
    }

    /// <inheritdoc/>
    public bool TryRespond(ReadOnlySpan<byte> request, Span<byte> response, out int length) => TryWriteReply(response, out length);

    /// <inheritdoc/>
    public bool TryWriteReply(Span<byte> reply, out int length)
    {
        byte[] line = format.FormatLine(clock.GetUtcNow());
        length = line.Length;
        return line.AsSpan().TryCopyTo(reply);
    }
}
