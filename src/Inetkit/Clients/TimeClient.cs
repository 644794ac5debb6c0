using System.Buffers.Binary;
using System.Net;
using Inetkit.Protocol;

namespace Inetkit.Clients;

/// <summary>
/// An RFC 868 answer: the raw count, the instant it names (in the era nearest the local clock, so it stays right
/// after 2036), and how far the local clock is from it (positive: the local clock is ahead).
/// </summary>
public sealed record TimeResult(uint Seconds, DateTimeOffset Time, TimeSpan LocalOffset, IPEndPoint Server);

/// <summary>RFC 868 client, like <c>rdate -p</c>.</summary>
public sealed class TimeClient(ServiceAddress address, ClientOptions options)
{
    /// <summary>Asks for the time.</summary>
    /// <exception cref="ClientException">Refused, unreachable, no reply in time, or a reply that is not 4 bytes.</exception>
    public async Task<TimeResult> GetAsync(CancellationToken cancellationToken = default)
    {
        var (reply, server, elapsed) = await OneShotClient.ExchangeAsync(address, ServiceKind.Time, options, 4, 64, cancellationToken);
        if (reply.Length != 4)
        {
            throw new ClientException(ClientFailure.WrongData, $"{server} (time) sent {reply.Length} bytes; RFC 868 time is exactly 4");
        }
        DateTimeOffset now = options.TimeProvider.GetUtcNow();
        uint seconds = BinaryPrimitives.ReadUInt32BigEndian(reply);
        DateTimeOffset time = Rfc868Time.ToInstant(seconds, now);
        // The server read its clock about half a round trip ago, and RFC 868 truncates to the second, so the
        // middle of that second is the best guess of what its clock said.
        TimeSpan offset = now - (elapsed / 2) - time.AddSeconds(0.5);
        return new TimeResult(seconds, time, offset, server);
    }
}
