using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Inetkit.Demo.Wire.Internal;
using Inetkit.Threading;

namespace Inetkit.Demo.Wire;

/// <summary>
/// The packets of chosen exchanges on the loopback interface, each once, as they happen: a packet socket on lo
/// (Linux, root or CAP_NET_RAW), read on a thread of its own. TCP, UDP, ICMP and ICMPv6 over IPv4 and IPv6; the
/// rest of what loopback carries (other tests, other services) is dropped by the filter given to
/// <see cref="TryOpen"/>.
/// </summary>
public sealed class LoopbackCapture : IAsyncDisposable
{
    private static readonly TimeSpan StopCheck = TimeSpan.FromMilliseconds(100);

    private readonly PacketSocket _socket;
    private readonly SyncBarrier _barrier;
    private readonly Func<IPEndPoint, IPEndPoint, bool> _interesting;
    private readonly Channel<WirePacket> _packets = Channel.CreateUnbounded<WirePacket>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly SequenceTracker _tracker = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    private LoopbackCapture(PacketSocket socket, SyncBarrier barrier, Func<IPEndPoint, IPEndPoint, bool> interesting)
    {
        _socket = socket;
        _barrier = barrier;
        _interesting = interesting;
        _reader = DedicatedThread.Start("loopback capture", Read);
    }

    /// <summary>
    /// The packets kept, in the order loopback carried them. Completes when the capture is disposed, or with the
    /// error that stopped its reader.
    /// </summary>
    public ChannelReader<WirePacket> Packets => _packets.Reader;

    /// <summary>Where the sync markers go from and to, for tests to look for them from another capture.</summary>
    internal IPEndPoint SyncEndPoint => _barrier.EndPoint;

    /// <summary>
    /// Opens the capture. <paramref name="interesting"/> is called on the capture's thread with each packet's
    /// source and destination (for an ICMP error, those of the datagram it quotes; for other ICMP, the addresses
    /// with port 0) and keeps the packet when true; it may change its mind as the caller binds new sockets.
    /// </summary>
    /// <param name="interesting">The filter, for example "either port is one of the demo's".</param>
    /// <param name="capture">The open capture, when true.</param>
    /// <param name="whyNot">When false, one line that says why and, without privilege, how to get it; empty when true.</param>
    public static bool TryOpen(Func<IPEndPoint, IPEndPoint, bool> interesting, [NotNullWhen(true)] out LoopbackCapture? capture, out string whyNot)
    {
        ArgumentNullException.ThrowIfNull(interesting);
        capture = null;
        if (!OperatingSystem.IsLinux())
        {
            whyNot = CaptureRefusal.NotLinux;
            return false;
        }
        PacketSocket socket;
        try
        {
            socket = PacketSocket.OpenLoopback();
        }
        catch (SocketException e)
        {
            whyNot = CaptureRefusal.Explain(e);
            return false;
        }
        try
        {
            capture = new LoopbackCapture(socket, new SyncBarrier(), interesting);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        whyNot = "";
        return true;
    }

    /// <summary>
    /// Returns once every packet sent on loopback before the call is in <see cref="Packets"/>: call it after a
    /// socket call, and what that call put on the wire can be drawn before the next. A marker datagram of the
    /// capture's own to itself does it; markers are never in <see cref="Packets"/>.
    /// </summary>
    public ValueTask SyncAsync(CancellationToken cancellationToken) => _barrier.WaitAsync(cancellationToken);

    /// <summary>Stops the reader, completes <see cref="Packets"/> and closes the sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync();
        await _reader;
        _barrier.Fail(new ObjectDisposedException(nameof(LoopbackCapture)));
        _barrier.Dispose();
        _socket.Dispose();
        _stop.Dispose();
    }

    private void Read()
    {
        Exception? failure = null;
        try
        {
            var buffer = new byte[PacketSocket.SnapLength];
            while (!_stop.IsCancellationRequested)
            {
                if (!_socket.WaitReadable(StopCheck) || !_socket.TryRead(buffer, out CapturedFrame frame))
                {
                    continue;
                }
                if (frame.Outgoing || frame.InterfaceIndex != _socket.InterfaceIndex || FrameDissector.Dissect(buffer, frame) is not { } dissected)
                {
                    continue;
                }
                Keep(dissected);
            }
        }
        catch (Exception e)
        {
            // Handed to whoever reads the packets, rather than lost on this thread.
            failure = e;
        }
        // Syncs fail before the channel completes, so whoever sees the one sees the other.
        if (failure is not null)
        {
            _barrier.Fail(failure);
        }
        _packets.Writer.TryComplete(failure);
    }

    private void Keep(Dissected dissected)
    {
        WirePacket packet = dissected.Packet;
        if (_barrier.IsMarker(packet))
        {
            _barrier.Seen(packet);
            return;
        }
        if (!_interesting(dissected.FilterSource, dissected.FilterDestination))
        {
            return;
        }
        if (dissected.Tcp is { } tcp)
        {
            (uint seq, uint ack, int window) = _tracker.Relate(packet.Source, packet.Destination, tcp);
            packet = packet with { RelativeSeq = seq, RelativeAck = ack, Window = window };
        }
        _packets.Writer.TryWrite(packet);
    }
}
