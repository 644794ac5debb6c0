using System.Net;
using System.Text;
using Inetkit.Protocol;

namespace Inetkit.Clients;

/// <summary>The quote a QOTD server sent.</summary>
public sealed record QotdResult(byte[] Quote, IPEndPoint Server)
{
    /// <summary>The quote as text (UTF-8, invalid bytes replaced).</summary>
    public string Text => Encoding.UTF8.GetString(Quote);
}

/// <summary>RFC 865 client: TCP reads until the server closes (in chunks of <c>chunkSize</c>, as the seed does); UDP sends one datagram.</summary>
public sealed class QotdClient(ServiceAddress address, ClientOptions options)
{
    /// <summary>Asks for a quote.</summary>
    /// <exception cref="ClientException">Refused, unreachable, no reply in time, or an empty quote.</exception>
    public async Task<QotdResult> GetAsync(int chunkSize = 4096, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        var (reply, server, _) = await OneShotClient.ExchangeAsync(address, ServiceKind.Qotd, options, QuoteBook.MaxQuoteBytes, chunkSize, cancellationToken);
        if (reply.Length == 0)
        {
            throw new ClientException(ClientFailure.WrongData, $"{server} (qotd) closed without sending a quote");
        }
        return new QotdResult(reply, server);
    }
}
