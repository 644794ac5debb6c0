using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Inetkit.Demo.Wire.Internal;

/// <summary>
/// Marker datagrams a capture sends from a socket of its own to itself. Loopback hands frames to the packet socket
/// in the order they were sent, so once the reader has seen a marker, it has seen every packet sent before it.
/// </summary>
internal sealed class SyncBarrier : IDisposable
{
    /// <summary>A marker lost on a crowded loopback (a full backlog or receive buffer) is sent again after this.</summary>
    private static readonly TimeSpan ResendAfter = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly Lock _lock = new();
    private readonly List<(long Number, TaskCompletionSource Done)> _waiting = [];
    private readonly byte[] _drain = new byte[64];
    private long _sent;
    private Exception? _failure;

    public SyncBarrier()
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
            _socket.Connect(EndPoint);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public IPEndPoint EndPoint { get; }

    public bool IsMarker(WirePacket packet) => packet.Protocol == WireProtocol.Udp && packet.Source.Equals(EndPoint) && packet.Destination.Equals(EndPoint);

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long number;
        lock (_lock)
        {
            if (_failure is not null)
            {
                throw _failure;
            }
            number = ++_sent;
            _waiting.Add((number, done));
        }
        byte[] marker = Marker(number);
        while (true)
        {
            await _socket.SendAsync(marker, SocketFlags.None, cancellationToken);
            try
            {
                await done.Task.WaitAsync(ResendAfter, cancellationToken);
                return;
            }
            catch (TimeoutException)
            {
                // Lost: the same number again.
            }
        }
    }

    /// <summary>Sends a marker no wait is for, and returns the time its send returned.</summary>
    public DateTimeOffset SendProbe()
    {
        _socket.Send(Marker(0));
        return DateTimeOffset.UtcNow;
    }

    /// <summary>Called by the reader for each marker: releases every wait up to its number.</summary>
    public void Seen(WirePacket marker)
    {
        if (marker.Payload.Length < sizeof(long))
        {
            return;
        }
        long number = BinaryPrimitives.ReadInt64BigEndian(marker.Payload.Span);
        lock (_lock)
        {
            foreach ((long _, TaskCompletionSource done) in _waiting.Where(w => w.Number <= number))
            {
                done.TrySetResult();
            }
            _waiting.RemoveAll(w => w.Number <= number);
        }
        // Nobody reads the markers on the socket itself: drop what has arrived so its buffer never fills.
        while (_socket.Available > 0)
        {
            _socket.Receive(_drain);
        }
    }

    /// <summary>Fails every wait, and every later one: the capture was disposed, or its reader stopped on <paramref name="failure"/>.</summary>
    public void Fail(Exception failure)
    {
        lock (_lock)
        {
            _failure ??= failure as ObjectDisposedException ?? new InvalidOperationException($"the capture stopped: {failure.Message}", failure);
            foreach ((long _, TaskCompletionSource done) in _waiting)
            {
                done.TrySetException(_failure);
            }
            _waiting.Clear();
        }
    }

    public void Dispose() => _socket.Dispose();

    private static byte[] Marker(long number)
    {
        var marker = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(marker, number);
        return marker;
    }
}
