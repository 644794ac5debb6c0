using Inetkit.Protocol;

namespace Inetkit.Clients;

/// <summary>
/// RFC 863 client. TCP: sends until the limit, half-closes, and waits for the server to close, which proves it
/// read everything (and checks that it said nothing). UDP: <c>count</c> datagrams; nothing can confirm them.
/// </summary>
public sealed class DiscardClient(ServiceAddress address, ClientOptions options)
{
    /// <summary>Sends over TCP; <paramref name="progress"/> hears the byte count after each write.</summary>
    /// <exception cref="ClientException">Refused, unreachable, no close in time, or a server that answered (<see cref="ClientFailure.WrongData"/>).</exception>
    public async Task<ThroughputResult> SendAsync(ThroughputLimit limit, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(limit);
        using ClientSocket socket = await ClientSocket.OpenAsync(address, ServiceKind.Discard, options with { Transport = Transport.Tcp }, cancellationToken);
        // Printable text rather than zeros, so that a capture of the exchange reads as something.
        byte[] chunk = new byte[64 * 1024];
        ChargenPattern.Fill(chunk);
        using var duration = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit.Duration is { } span)
        {
            duration.CancelAfter(span);
        }
        long start = options.TimeProvider.GetTimestamp();
        long total = 0;
        while ((limit.Bytes is null || total < limit.Bytes) && !duration.IsCancellationRequested)
        {
            int length = (int)Math.Min(chunk.Length, (limit.Bytes ?? long.MaxValue) - total);
            try
            {
                await socket.SendAsync(chunk.AsMemory(0, length), duration.Token);
            }
            catch (OperationCanceledException) when (duration.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The duration is up in the middle of a write; what went before counts.
                break;
            }
            total += length;
            progress?.Invoke(total);
        }
        socket.ShutdownSend();
        byte[] answer = new byte[4096];
        int read = await socket.ReceiveAsync(answer, cancellationToken);
        if (read > 0)
        {
            throw new ClientException(ClientFailure.WrongData, $"{socket.Remote} (discard/tcp) answered {read} bytes; a discard server never answers");
        }
        return new ThroughputResult(total, options.TimeProvider.GetElapsedTime(start), socket.Remote);
    }

    /// <summary>Sends <paramref name="count"/> datagrams of <paramref name="size"/> bytes.</summary>
    /// <exception cref="ClientException">Refused (ICMP port unreachable) or unreachable.</exception>
    public async Task<ThroughputResult> SendDatagramsAsync(int count, int size, CancellationToken cancellationToken = default)
    {
        using ClientSocket socket = await ClientSocket.OpenAsync(address, ServiceKind.Discard, options with { Transport = Transport.Udp }, cancellationToken);
        byte[] datagram = new byte[size];
        ChargenPattern.Fill(datagram);
        long start = options.TimeProvider.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            await socket.SendAsync(datagram, cancellationToken);
        }
        return new ThroughputResult((long)count * size, options.TimeProvider.GetElapsedTime(start), socket.Remote);
    }
}
