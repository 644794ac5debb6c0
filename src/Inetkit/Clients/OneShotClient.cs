using Inetkit.Protocol;

namespace Inetkit.Clients;

/// <summary>
/// The exchange qotd, daytime and time share: over TCP, connect and read until the server closes; over UDP,
/// send one datagram and take the one reply.
/// </summary>
internal static class OneShotClient
{
    // A reply longer than this is not one of these services talking.
    private const int MaxTcpReply = 64 * 1024;

    /// <summary>The reply, and the time from the request to its last byte.</summary>
    public static async Task<(byte[] Reply, System.Net.IPEndPoint Server, TimeSpan Elapsed)> ExchangeAsync(
        ServiceAddress address, ServiceKind service, ClientOptions options, int udpRequestLength, int chunkSize, CancellationToken cancellationToken)
    {
        using ClientSocket socket = await ClientSocket.OpenAsync(address, service, options, cancellationToken);
        long start = options.TimeProvider.GetTimestamp();
        byte[] reply;
        if (socket.IsUdp)
        {
            // Padded: an Inetkit server answers a non-loopback source only with a reply no longer than the request.
            await socket.SendAsync(new byte[udpRequestLength], cancellationToken);
            byte[] buffer = new byte[65535];
            int length = await socket.ReceiveAsync(buffer, cancellationToken);
            reply = buffer[..length];
        }
        else
        {
            reply = await socket.ReadToEndAsync(chunkSize, MaxTcpReply, cancellationToken);
        }
        return (reply, socket.Remote, options.TimeProvider.GetElapsedTime(start));
    }
}
