using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Inetkit.Demo.Wire.Internal;
using Inetkit.Threading;

namespace Inetkit.Demo.Wire;

/// <summary>
/// The packets of chosen exchanges on the loopback interface, each once, as they happen: a packet socket on lo
/// (Linux, root or CAP_NET_RAW), read on a thread of its own. TCP, UDP, ICMP and ICMPv6 over IPv4 and IPv6.
/// </summary>
/// <remarks>
/// Exchanges are chosen by port, not by a callback: the ports go into a filter program the kernel runs on every
/// frame, so the rest of what loopback carries (other tests' bulk transfers, other services) never queues up in
/// front of the capture's own packets, however busy the machine. A TCP or UDP packet is kept when either of its
/// ports is watched; an ICMP or ICMPv6 error when either port of the datagram it quotes is.
/// </remarks>
public sealed class LoopbackCapture : IAsyncDisposable
{
    private static readonly TimeSpan StopCheck = TimeSpan.FromMilliseconds(100);

    /// <summary>Probes before timestamps are taken as they come: the kernel may stamp frames only as they are read (see <see cref="ProbeTimestamps"/>).</summary>
    private const int TimestampProbes = 100;

    private readonly PacketSocket _socket;
    private readonly SyncBarrier _barrier;
    private readonly Channel<WirePacket> _packets = Channel.CreateUnbounded<WirePacket>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly SequenceTracker _tracker = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _watchLock = new();
    private readonly ManualResetEventSlim _probed = new();
    private readonly Task _reader;
    private volatile ImmutableHashSet<int> _ports;

    private LoopbackCapture(PacketSocket socket, SyncBarrier barrier, ImmutableHashSet<int> ports)
    {
        _socket = socket;
        _barrier = barrier;
        _ports = ports;
        _reader = DedicatedThread.Start("loopback capture", Read);
    }

    /// <summary>
    /// The packets kept, in the order loopback carried them. Completes when the capture is disposed, or with the
    /// error that stopped its reader.
    /// </summary>
    public ChannelReader<WirePacket> Packets => _packets.Reader;

    /// <summary>The ports watched so far.</summary>
    public IReadOnlySet<int> Ports => _ports;

    /// <summary>Where the sync markers go from and to, for tests to look for them from another capture.</summary>
    internal IPEndPoint SyncEndPoint => _barrier.EndPoint;

    /// <summary>
    /// Opens the capture, watching <paramref name="ports"/> (more can be added with <see cref="Watch"/>, for
    /// example each server's port once it is bound).
    /// </summary>
    /// <param name="ports">The ports whose packets are kept, at either end.</param>
    /// <param name="capture">The open capture, when true.</param>
    /// <param name="whyNot">When false, one line that says why and, without privilege, how to get it; empty when true.</param>
    public static bool TryOpen(IEnumerable<int> ports, [NotNullWhen(true)] out LoopbackCapture? capture, out string whyNot)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ImmutableHashSet<int> watched = [.. ports.Select(ValidPort)];
        capture = null;
        if (!OperatingSystem.IsLinux())
        {
            whyNot = CaptureRefusal.NotLinux;
            return false;
        }
        var barrier = new SyncBarrier();
        PacketSocket socket;
        try
        {
            socket = PacketSocket.OpenLoopback(LoopbackFilter.Compile(watched.Add(barrier.EndPoint.Port)));
        }
        catch (SocketException e)
        {
            barrier.Dispose();
            whyNot = CaptureRefusal.Explain(e);
            return false;
        }
        if (socket.KernelTimestamps)
        {
            TimestampKeeper.Hold();
        }
        capture = new LoopbackCapture(socket, barrier, watched);
        capture._probed.Wait();
        whyNot = "";
        return true;
    }

    /// <summary>Keeps the packets of <paramref name="port"/> too, from the next frame on.</summary>
    public void Watch(int port)
    {
        ValidPort(port);
        lock (_watchLock)
        {
            if (_ports.Contains(port))
            {
                return;
            }
            // The reader's check first: the first frame the new filter lets through must find the port watched.
            _ports = _ports.Add(port);
            _socket.Attach(LoopbackFilter.Compile(_ports.Add(_barrier.EndPoint.Port)));
        }
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
        _probed.Dispose();
    }

    /// <summary>1-65535: port 0 is what ICMP that quotes no datagram is filed under, never anyone's port.</summary>
    private static int ValidPort(int port) => port is > 0 and <= IPEndPoint.MaxPort ? port : throw new ArgumentOutOfRangeException(nameof(port), port, "not a port");

    private void Read()
    {
        Exception? failure = null;
        var buffer = new byte[PacketSocket.SnapLength];
        try
        {
            ProbeTimestamps(buffer);
            while (!_stop.IsCancellationRequested)
            {
                ReadOne(buffer);
            }
        }
        catch (Exception e)
        {
            // Handed to whoever reads the packets, rather than lost on this thread.
            failure = e;
        }
        finally
        {
            _probed.Set();
        }
        // Syncs fail before the channel completes, so whoever sees the one sees the other.
        if (failure is not null)
        {
            _barrier.Fail(failure);
        }
        _packets.Writer.TryComplete(failure);
    }

    /// <summary>
    /// The kernel turns receive timestamps on for the first socket that asks a moment later, from a work queue;
    /// until then it stamps a frame only as it is read. A marker stamped before its send returned shows they are on.
    /// </summary>
    private void ProbeTimestamps(byte[] buffer)
    {
        for (int probe = 0; _socket.KernelTimestamps && probe < TimestampProbes && !_stop.IsCancellationRequested; probe++)
        {
            DateTimeOffset sent = _barrier.SendProbe();
            WirePacket? marker = null;
            // A probe lost on a crowded loopback is given up after a second, and the next one sent.
            for (long giveUp = Environment.TickCount64 + 1000; marker is null && Environment.TickCount64 < giveUp && !_stop.IsCancellationRequested;)
            {
                marker = ReadOne(buffer);
            }
            if (marker is not null && marker.At < sent)
            {
                break;
            }
        }
        _probed.Set();
    }

    /// <summary>Reads and keeps one frame, when one comes before the next stop check; returns it when it was one of the capture's markers.</summary>
    private WirePacket? ReadOne(byte[] buffer)
    {
        if (!_socket.WaitReadable(StopCheck) || !_socket.TryRead(buffer, out CapturedFrame frame))
        {
            return null;
        }
        if (frame.Outgoing || frame.InterfaceIndex != _socket.InterfaceIndex || FrameDissector.Dissect(buffer, frame) is not { } dissected)
        {
            return null;
        }
        WirePacket packet = dissected.Packet;
        if (_barrier.IsMarker(packet))
        {
            _barrier.Seen(packet);
            return packet;
        }
        ImmutableHashSet<int> ports = _ports;
        if (!ports.Contains(dissected.FilterSource.Port) && !ports.Contains(dissected.FilterDestination.Port))
        {
            return null;
        }
        if (dissected.Tcp is { } tcp)
        {
            (uint seq, uint ack, int window) = _tracker.Relate(packet.Source, packet.Destination, tcp);
            packet = packet with { RelativeSeq = seq, RelativeAck = ack, Window = window };
        }
        _packets.Writer.TryWrite(packet);
        return null;
    }
}
