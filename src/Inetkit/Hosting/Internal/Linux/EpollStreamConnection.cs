using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using Inetkit.Interop.Linux;
using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal.Linux;

/// <summary>
/// One echo or discard connection on an <see cref="EpollLoop"/> of <see cref="EpollStreams"/>: what <see cref="TcpConnection"/> does for
/// a stream, on the bare descriptor. Each readiness takes one receive and, for echo, sends it all back before the
/// next; what the client does not take yet is kept, and the connection stops reading until it has gone (the
/// back-pressure: a client that never reads stalls its own echo, its data waits in the kernel's buffers, and
/// nothing grows in ours). The client's FIN, once everything is back, ends the exchange: FIN, close. The caps,
/// the idle timeout, the stop's grace and the metrics see it as any other connection. Every member but the
/// constructor and <see cref="AskToEnd"/> runs on the loop's thread.
/// </summary>
internal sealed unsafe class EpollStreamConnection : IConnectionActivity, IEpollReady
{
    // As the stream path's echo reads (EchoService): the most a connection keeps back for a client that does not
    // read is one such buffer, and the kernel's buffers hold the rest.
    public const int BufferSize = 16 * 1024;

    /// <summary>The events of a connection that reads: input, and the client's half-close.</summary>
    public const uint Reading = LibC.EpollIn | LibC.EpollRdHup;

    // Loopback's receive buffer grows to a few megabytes; one call frees a good part of it.
    private const int DropLength = 1024 * 1024;

    // Whether this kernel frees TCP input with MSG_TRUNC; set once, by the first refusal, for every loop.
    private static volatile bool s_truncates = true;

    private readonly int _fd;
    private readonly IPAddress _address;
    private readonly long _id;
    private readonly bool _echoes;
    private readonly ServiceRuntime _runtime;
    private readonly HostContext _host;
    private readonly TrackedConnection _tracked;
    private EpollLoop? _loop;
    private GCHandle _handle;
    private long _lastActivity;
    private long _read;
    private long _written;
    private byte[]? _pending;
    private int _pendingOffset;
    private int _pendingLength;
    private bool _closed;

    // What the tracker's last scan found queued on a discard connection (its thread only).
    private int _queuedAtScan;

    /// <summary>How much input discard lets queue before it is told (SO_RCVLOWAT).</summary>
    private const int DiscardLowWater = 256 * 1024;

    private EpollStreamConnection(int fd, IPAddress address, long id, bool echoes, ServiceRuntime runtime, HostContext host)
    {
        _fd = fd;
        _address = address;
        _id = id;
        _echoes = echoes;
        _runtime = runtime;
        _host = host;
        _lastActivity = host.Clock.GetTimestamp();
        _tracked = new TrackedConnection(this, AskToEnd) { Caps = runtime.Caps, Metrics = runtime.Metrics, IdleTicks = host.Tracker.IdleTicks(runtime.IdleTimeout) };
    }

    public int Fd => _fd;

    public IPAddress Address => _address;

    /// <summary>
    /// When a byte last moved, for the tracker's scan (its thread, not the loop's). Discard's input below the low-water
    /// mark is not read yet, so a change in what is queued is activity too, seen at the scan that finds it: an idle
    /// close may come up to one scan late, never early. (Asked of a descriptor that closes meanwhile, the question
    /// is only read, and its answer goes to a connection that is ending.)
    /// </summary>
    public long LastActivity
    {
        get
        {
            if (!_echoes && !Volatile.Read(ref _closed))
            {
                int queued = LibC.Queued(_fd);
                if (queued != _queuedAtScan)
                {
                    _queuedAtScan = queued;
                    Touch();
                }
            }
            return Volatile.Read(ref _lastActivity);
        }
    }

    public long BytesRead => Volatile.Read(ref _read);

    public long BytesWritten => Volatile.Read(ref _written);

    /// <summary>Serves an admitted client's descriptor (non-blocking) on one of <paramref name="streams"/>' loops.</summary>
    public static void Start(int fd, IPAddress address, long id, bool echoes, ServiceRuntime runtime, HostContext host, EpollStreams streams)
    {
        // Each message goes out as it is echoed, as on the stream path (Socket.NoDelay).
        _ = LibC.SetSockOptInt(fd, LibC.IpProtoTcp, LibC.TcpNoDelay, 1);
        if (!echoes)
        {
            // Discard is told of input only once this much is queued (or the client's FIN, or an error): a sender
            // on loopback pays for waking the reader each time it is told, and tcp-sink went from 2.3-3.2 GB/s to
            // 7.2-8.2 (64 KB: 3.3-3.8, 512 KB and 1 MB: 5.9-6.6; issue #17). What waits below the mark still counts
            // as activity (LastActivity); its bytes reach the counts when read, at the latest at the close.
            _ = LibC.SetSockOptInt(fd, LibC.SolSocket, LibC.SoRcvLowat, DiscardLowWater);
        }
        var connection = new EpollStreamConnection(fd, address, id, echoes, runtime, host);
        // Tracked before it is watched: its first event may end it at once, on the loop's thread.
        host.Tracker.Track(id, connection._tracked);
        host.Counters.Opened();
        runtime.Metrics.Opened();
        if (!streams.Add(connection))
        {
            connection.Close(ConnectionOutcome.Error, reset: true);
        }
    }

    public void Attach(EpollLoop loop, GCHandle handle)
    {
        _loop = loop;
        _handle = handle;
    }

    /// <summary>The descriptor is ready for what it waits for (input, or room for what is kept).</summary>
    public void OnReady(uint events, byte* buffer)
    {
        if (_pendingLength > 0)
        {
            Flush();
            return;
        }
        nint read = Read(buffer);
        if (read <= 0)
        {
            if (read == 0)
            {
                Finish();
            }
            else if (Marshal.GetLastPInvokeError() is not (LibC.EAgain or LibC.EIntr))
            {
                Close(ConnectionOutcome.Reset, reset: false);
            }
            return;
        }
        Volatile.Write(ref _read, _read + read);
        if (_echoes)
        {
            Echo(buffer, (int)read);
        }
        // Once for the receive and its echo: the idle timeout counts in seconds, a clock read costs a system call's worth.
        Touch();
    }

    /// <summary>
    /// One receive. Discard's uses MSG_TRUNC: on a TCP socket the kernel frees what is queued, up to the length,
    /// without copying it out (tcp(7)), so a readiness costs one call whatever came, where a copy into 16 KB cost one
    /// call per 16 KB and the copy (tcp-sink at 0.98x of echo_limit's 64 KB reads, 1.2x and more with this; issue
    /// #17). A kernel that refuses it is read from as echo is, from then on.
    /// </summary>
    private nint Read(byte* buffer)
    {
        if (!_echoes && s_truncates)
        {
            nint dropped = Drop();
            if (dropped >= 0 || Marshal.GetLastPInvokeError() is not (LibC.EInval or LibC.EFault or LibC.EOpNotSupp))
            {
                return dropped;
            }
            s_truncates = false;
        }
        return LibC.Recv(_fd, buffer, BufferSize, 0);
    }

    private void Echo(byte* buffer, int length)
    {
        int sent = SendNow(buffer, length);
        if (sent < 0)
        {
            Close(ConnectionOutcome.Reset, reset: false);
        }
        else if (sent < length)
        {
            // The client takes its echo slower than it sends: keep the rest and read no more until it has gone.
            _pendingLength = length - sent;
            _pendingOffset = 0;
            // A whole buffer whatever the rest: one pool bucket, so a stuck client costs what it does on the stream path.
            _pending = ArrayPool<byte>.Shared.Rent(BufferSize);
            new ReadOnlySpan<byte>(buffer + sent, _pendingLength).CopyTo(_pending);
            _loop!.Watch(_fd, LibC.EpollOut, _handle);
        }
    }

    /// <summary>Frees what is queued, up to <see cref="DropLength"/>, without copying it: the count, or -1 with the errno set.</summary>
    private nint Drop() => LibC.Recv(_fd, null, DropLength, LibC.MsgTrunc);

    private void Flush()
    {
        // Room has come because the client took some of its echo: that is activity, whatever this send moves.
        Touch();
        int sent;
        fixed (byte* pending = _pending)
        {
            sent = SendNow(pending + _pendingOffset, _pendingLength);
        }
        if (sent < 0)
        {
            Close(ConnectionOutcome.Reset, reset: false);
            return;
        }
        _pendingOffset += sent;
        _pendingLength -= sent;
        if (_pendingLength == 0)
        {
            ReturnPending();
            _loop!.Watch(_fd, Reading, _handle);
        }
    }

    /// <summary>Sends what the kernel takes now: the count sent (short of <paramref name="length"/> once its buffer is full), or -1 when the connection has failed.</summary>
    private int SendNow(byte* data, int length)
    {
        int sent = LibC.SendWhatFits(_fd, data, length, out bool failed);
        Volatile.Write(ref _written, _written + sent);
        return failed ? -1 : sent;
    }

    /// <summary>The client's FIN with nothing kept back: the exchange is done; FIN, and close.</summary>
    private void Finish()
    {
        // Nothing to linger for: the client's FIN is already in, so no unread input can turn the close into a reset.
        _ = _host.Tracker.ExchangeDone(_tracked, _address);
        _ = LibC.Shutdown(_fd, LibC.ShutWr);
        Close(ConnectionOutcome.Served, reset: false);
    }

    /// <summary>The tracker's idle timeout or the stop's grace asks for the end (any thread); the loop carries it out.</summary>
    private void AskToEnd() => _loop!.End(this);

    /// <summary>On the loop's thread: the end the tracker asked for, unless the connection has ended meanwhile.</summary>
    public void OnEndAsked()
    {
        if (_closed)
        {
            return;
        }
        // As on the stream path: the grace is over with the exchange open, so a reset, lest the client take a FIN
        // after a partial echo for a finished one; otherwise the idle timeout, and a plain close.
        if (_host.Stopping.IsCancellationRequested)
        {
            Close(ConnectionOutcome.Stopped, reset: true);
        }
        else
        {
            Close(ConnectionOutcome.Timeout, reset: false);
        }
    }

    /// <summary>Something failed while serving it: it alone ends.</summary>
    public void OnFailed(Exception error)
    {
        // Nothing of a service runs here, but whatever fails must cost only this connection.
        _host.ErrorLog.Log(LogLevel.Error, $"tcp connection from {_address} failed: {error.GetType().Name}: {error.Message}");
        if (!_closed)
        {
            Close(ConnectionOutcome.Error, reset: true);
        }
    }

    private void Close(ConnectionOutcome outcome, bool reset)
    {
        if (!_echoes && !reset && s_truncates)
        {
            // What waits below the low-water mark is the client's too: counted, and gone, so the close is a FIN
            // (closing over unread input would reset).
            nint dropped = Drop();
            if (dropped > 0)
            {
                _read += dropped;
            }
        }
        Volatile.Write(ref _closed, true);
        // Out of the epoll set first: no event of it comes after this, even while a spawned child still shares it.
        if (_handle.IsAllocated)
        {
            _loop?.Forget(_fd);
        }
        if (reset)
        {
            LibC.ResetAndClose(_fd);
        }
        else
        {
            LibC.Close(_fd);
        }
        if (_handle.IsAllocated)
        {
            _loop!.Free(_handle);
            _handle = default;
        }
        ReturnPending();
        // Its bytes are in the metrics before it stops counting as open: whoever sees the count fall sees them too.
        _tracked.ReportBytes(_read, _written);
        _host.Tracker.Release(_id, _address, _tracked);
        _host.Counters.Closed();
        _runtime.Metrics.Closed(outcome);
        _tracked.Completed();
        _host.Once.Served();
    }

    private void ReturnPending()
    {
        if (_pending is not null)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = null;
            _pendingLength = 0;
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivity, _host.Clock.GetTimestamp());
}
