using Inetkit.Protocol;

namespace Inetkit.Clients;

/// <summary>A chargen run: throughput, and where in the pattern the server started.</summary>
public sealed record ChargenResult(ThroughputResult Throughput, int? StartOffset, byte[]? Datagram);

/// <summary>
/// RFC 864 client. TCP: receives until the limit, checking every byte against the pattern. UDP: one request
/// (padded to 512 bytes), one reply, checked the same way.
/// </summary>
public sealed class ChargenClient(ServiceAddress address, ClientOptions options)
{
    /// <summary>Receives and verifies; <paramref name="progress"/> hears the byte count after each read.</summary>
    /// <exception cref="ClientException">Refused, unreachable, no data in time, or a byte that breaks the pattern (<see cref="ClientFailure.WrongData"/>).</exception>
    public async Task<ChargenResult> ReceiveAsync(ThroughputLimit limit, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(limit);
        using ClientSocket socket = await ClientSocket.OpenAsync(address, ServiceKind.Chargen, options, cancellationToken);
        var verifier = new ChargenVerifier();
        long start = options.TimeProvider.GetTimestamp();
        if (socket.IsUdp)
        {
            await socket.SendAsync(new byte[ChargenPattern.MaxDatagram], cancellationToken);
            byte[] buffer = new byte[65535];
            int length = await socket.ReceiveAsync(buffer, cancellationToken);
            Verify(verifier, buffer.AsSpan(0, length), socket);
            return new ChargenResult(new ThroughputResult(length, options.TimeProvider.GetElapsedTime(start), socket.Remote), verifier.StartOffset, buffer[..length]);
        }
        using var duration = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit.Duration is { } span)
        {
            duration.CancelAfter(span);
        }
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        while (limit.Bytes is null || total < limit.Bytes)
        {
            int want = (int)Math.Min(chunk.Length, (limit.Bytes ?? long.MaxValue) - total);
            int read;
            try
            {
                read = await socket.ReceiveAsync(chunk.AsMemory(0, want), duration.Token);
            }
            catch (OperationCanceledException) when (duration.IsCancellationRequested)
            {
                break;
            }
            if (read == 0)
            {
                break;
            }
            Verify(verifier, chunk.AsSpan(0, read), socket);
            total += read;
            progress?.Invoke(total);
        }
        if (total == 0)
        {
            throw new ClientException(ClientFailure.WrongData, $"{socket.Remote} (chargen/tcp) closed without sending a character");
        }
        return new ChargenResult(new ThroughputResult(total, options.TimeProvider.GetElapsedTime(start), socket.Remote), verifier.StartOffset, null);
    }

    private static void Verify(ChargenVerifier verifier, ReadOnlySpan<byte> data, ClientSocket socket)
    {
        long wrong = verifier.Check(data);
        if (wrong >= 0)
        {
            byte got = data[(int)(wrong - verifier.Position)];
            throw new ClientException(ClientFailure.WrongData, $"{socket.Remote} (chargen) broke the RFC 864 pattern at byte {wrong:N0} (got 0x{got:X2})");
        }
    }
}
