using Inetkit.Threading;
using Inetkit.Tracing;
using System.Net;
using System.Net.Sockets;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// The stream a TCP service sees: reads and writes go straight to the socket, every completed call counts as
/// activity for the idle timeout, and with tracing on each call is narrated (<c>recv(16384) -> 11 bytes</c>,
/// <c>sendall(11 bytes)</c>). Reads and writes may run concurrently, and socket errors surface as
/// <see cref="IOException"/>, both as on NetworkStream, so a service sees an ordinary stream.
/// </summary>
internal sealed class ConnectionStream(Socket socket, TimeProvider clock, Tracer trace) : Stream, IConnectionActivity
{
    // Socket completions run inline on the epoll thread (SocketEngineSettings). A client that keeps the pipe full
    // makes every receive and send complete at once, and a service loop would then never give that thread back
    // (seen with --trace on: 13 of 20 streaming clients sat unaccepted in the backlog for half a second). After this
    // many calls in a row that completed at once, the connection yields and the thread goes back to the others;
    // 32 cost a tenth of the echo throughput, 256 nothing measurable.
    private const int MaxSynchronousStreak = 256;

    private long _lastActivity = clock.GetTimestamp();

    // Read once, for the trace: a connection reset later can no longer say who it was with.
    private readonly EndPoint? _peer = trace.Enabled ? socket.RemoteEndPoint : null;
    private SynchronousStreak _streak = new(MaxSynchronousStreak);

    /// <summary>When a byte last moved (or the connection was accepted), in <see cref="TimeProvider"/> ticks.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>Bytes read from the client so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Bytes written to the client so far.</summary>
    public long BytesWritten => Volatile.Read(ref _written);

    private long _written;

    /// <summary>The peer has closed its sending side (a read returned 0).</summary>
    public bool ReceivedEof { get; private set; }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            if (buffer.IsEmpty)
            {
                // A zero-byte receive waits until data (or EOF) is there without holding a buffer; not a call worth narrating.
                await Fairly(socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken));
                return 0;
            }
            if (trace.Enabled)
            {
                trace.Waiting("recv", $"{buffer.Length}");
            }
            read = await Fairly(socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken));
        }
        catch (SocketException e)
        {
            throw new IOException($"recv failed: {e.Message}", e);
        }
        Touch();
        BytesRead += read;
        if (read == 0)
        {
            ReceivedEof = true;
        }
        if (trace.Enabled)
        {
            trace.Call("recv", $"{buffer.Length}", read == 0 ? "0 bytes (the client closed its side)" : $"{read} bytes", buffer.Span[..read], _peer);
        }
        return read;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // sendall: a stream socket may take less than asked, so keep sending until all of it is gone.
        // The activity is noted as the write begins, and after each part the kernel took while more remains: still a
        // clock read per write, and in before the narration, so whoever sees the narrated call may move the clock.
        Touch();
        if (trace.Enabled)
        {
            // Told before the call: the peer's receive of these bytes must never come first in a diagram.
            trace.Call("sendall", $"{buffer.Length} bytes", data: buffer.Span, peer: _peer);
        }
        int sent = 0;
        try
        {
            while (sent < buffer.Length)
            {
                int now = await Fairly(socket.SendAsync(buffer[sent..], SocketFlags.None, cancellationToken));
                sent += now;
                Interlocked.Add(ref _written, now);
                if (sent < buffer.Length)
                {
                    Touch();
                }
            }
        }
        catch (SocketException e)
        {
            throw new IOException($"sendall failed after {sent} of {buffer.Length} bytes: {e.Message}", e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Awaits a socket call, yielding the thread after <see cref="MaxSynchronousStreak"/> immediate completions in a row.</summary>
    private async ValueTask<int> Fairly(ValueTask<int> call)
    {
        bool atOnce = call.IsCompleted;
        int result = await call;
        if (_streak.ShouldYield(atOnce))
        {
            await Task.Yield();
        }
        return result;
    }

    private void Touch() => Volatile.Write(ref _lastActivity, clock.GetTimestamp());
}
