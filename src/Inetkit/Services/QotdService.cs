using Inetkit.Protocol;

namespace Inetkit.Services;

/// <summary>RFC 865: one quote (at most 512 bytes) per connection or datagram; the request's content is ignored.</summary>
public sealed class QotdService(QuoteBook quotes) : IInetService
{
    /// <inheritdoc/>
    public ServiceKind Kind => ServiceKind.Qotd;

    /// <inheritdoc/>
    public async ValueTask HandleAsync(Stream connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.WriteAsync(quotes.Next(), cancellationToken);
    }

    /// <inheritdoc/>
    public bool TryRespond(ReadOnlySpan<byte> request, Span<byte> response, out int length)
    {
        ReadOnlySpan<byte> quote = quotes.Next().Span;
        length = quote.Length;
        return quote.TryCopyTo(response);
    }
}
