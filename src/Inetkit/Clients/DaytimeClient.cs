using System.Net;
using System.Text;
using Inetkit.Protocol;

namespace Inetkit.Clients;

/// <summary>The line a daytime server sent, as received.</summary>
public sealed record DaytimeResult(byte[] Reply, IPEndPoint Server)
{
    /// <summary>The reply as text without its line end.</summary>
    public string Line => Encoding.UTF8.GetString(Reply).TrimEnd('\r', '\n');
}

/// <summary>RFC 867 client.</summary>
public sealed class DaytimeClient(ServiceAddress address, ClientOptions options)
{
    /// <summary>Asks for the date and time.</summary>
    /// <exception cref="ClientException">Refused, unreachable, no reply in time, or an empty reply.</exception>
    public async Task<DaytimeResult> GetAsync(CancellationToken cancellationToken = default)
    {
        var (reply, server, _) = await OneShotClient.ExchangeAsync(address, ServiceKind.Daytime, options, QuoteBook.MaxQuoteBytes, 4096, cancellationToken);
        if (reply.Length == 0)
        {
            throw new ClientException(ClientFailure.WrongData, $"{server} (daytime) closed without sending a line");
        }
        return new DaytimeResult(reply, server);
    }
}
