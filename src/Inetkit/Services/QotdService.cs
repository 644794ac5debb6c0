using Inetkit.Protocol;

namespace Inetkit.Services;

/// <summary>
/// RFC 865: one quote (at most 512 bytes) per connection or datagram; the request's content is ignored. Each
/// request gets the quote after the last one's, starting with the first.
/// </summary>
public sealed class QotdService(QuoteBook quotes) : IInetService, ITcpReplyService
{
    private long _next = -1;

    /// <inheritdoc/>
    public ServiceKind Kind => ServiceKind.Qotd;

    /// <inheritdoc/>
    public async ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.WriteAsync(Next(), cancellationToken);
    }

    /// <inheritdoc/>
    public bool TryRespond(ReadOnlySpan<byte> request, Span<byte> response, out int length) => TryWriteReply(response, out length);

    /// <inheritdoc/>
    public bool TryWriteReply(Span<byte> reply, out int length)
    {
        ReadOnlySpan<byte> quote = Next().Span;
        length = quote.Length;
        return quote.TryCopyTo(reply);
    }

    private ReadOnlyMemory<byte> Next() => quotes[Interlocked.Increment(ref _next)];
}
