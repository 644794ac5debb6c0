using System.Buffers;

namespace Inetkit.Clients;

/// <summary>One socket to an echo server for several exchanges: one datagram each over UDP, one stream over TCP.</summary>
public sealed class EchoSession : IAsyncDisposable
{
    private readonly ClientSocket _socket;
    private readonly TimeProvider _clock;

    internal EchoSession(ClientSocket socket, TimeProvider clock)
    {
        _socket = socket;
        _clock = clock;
    }

    /// <summary>Sends <paramref name="message"/> and waits for the same bytes back.</summary>
    /// <exception cref="ClientException">No reply in time, the server closed early, or the echo differs.</exception>
    public async Task<EchoReply> ExchangeAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (_socket.IsUdp)
        {
            int max = _socket.Remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? EchoClient.MaxUdpPayloadIPv6 : EchoClient.MaxUdpPayloadIPv4;
            if (message.Length > max)
            {
                throw new ArgumentException($"the message is {message.Length:N0} bytes; a UDP datagram carries at most {max:N0} over {(max == EchoClient.MaxUdpPayloadIPv6 ? "IPv6" : "IPv4")}", nameof(message));
            }
        }
        long start = _clock.GetTimestamp();
        await _socket.SendAsync(message, cancellationToken);
        byte[] reply;
        if (_socket.IsUdp)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(65536);
            try
            {
                int length = await _socket.ReceiveAsync(buffer.AsMemory(0, 65535), cancellationToken);
                reply = buffer[..length];
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        else
        {
            reply = new byte[message.Length];
            int done = 0;
            while (done < reply.Length)
            {
                int read = await _socket.ReceiveAsync(reply.AsMemory(done), cancellationToken);
                if (read == 0)
                {
                    throw new ClientException(ClientFailure.WrongData, $"{_socket.Remote} (echo/tcp) closed after echoing {done} of {reply.Length} bytes");
                }
                done += read;
            }
        }
        TimeSpan elapsed = _clock.GetElapsedTime(start);
        int differs = FirstDifference(message.Span, reply);
        if (differs >= 0)
        {
            throw new ClientException(ClientFailure.WrongData, differs >= Math.Min(message.Length, reply.Length)
                ? $"{_socket.Remote} echoed {reply.Length} bytes for {message.Length} sent"
                : $"{_socket.Remote} echoed different bytes: the first difference is at byte {differs} of {message.Length}");
        }
        return new EchoReply(reply, elapsed, _socket.Remote);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FirstDifference(ReadOnlySpan<byte> sent, ReadOnlySpan<byte> received)
    {
        int common = sent.CommonPrefixLength(received);
        return common == sent.Length && sent.Length == received.Length ? -1 : common;
    }
}
