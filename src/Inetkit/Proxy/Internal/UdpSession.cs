using System.Net;
using System.Net.Sockets;
using Inetkit.Impairment;
using Inetkit.Interop.Linux;
using Inetkit.Tracing;

namespace Inetkit.Proxy.Internal;

/// <summary>One client address of the UDP relay, with its own upstream socket connected to the target.</summary>
internal sealed class UdpSession : IDisposable
{
    private readonly IPEndPoint _client;
    private readonly SocketAddress _clientAddress;
    private readonly Socket _listener;
    private readonly Socket _upstream;
    private readonly InetProxyOptions _options;
    private readonly ProxyCounters _counters;
    private readonly Tracer _trace;
    private readonly CancellationTokenSource _stop;
    private readonly ImpairedPath<IPEndPoint> _up;
    private readonly ImpairedPath<IPEndPoint> _down;
    private readonly UdpDownRelay? _downRelay;
    private readonly TaskCompletionSource _downRetired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<int> _sentDown;
    private readonly Action<int, SocketError> _failedDown;
    private DatagramBatch? _downBatch;
    private byte[]? _downBuffer;
    private long _lastActivity;

    public UdpSession(SocketAddress clientAddress, IPEndPoint client, Socket listener, InetProxyOptions options, ProxyCounters counters, Tracer trace, Func<ImpairmentSpec> impairment, UdpDownRelay? downRelay, CancellationToken stop)
    {
        _downRelay = downRelay;
        _sentDown = i =>
        {
            Interlocked.Increment(ref counters.DatagramsDown);
            Interlocked.Add(ref counters.BytesDown, _downBatch!.Queued(i).Length);
        };
        _failedDown = (_, error) => trace.Call($"session {client}: sendto -> {error}");
        _client = client;
        _clientAddress = clientAddress;
        _listener = listener;
        _options = options;
        _counters = counters;
        _trace = trace;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _upstream = new Socket(options.Target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _upstream.Connect(options.Target);
        _lastActivity = options.TimeProvider.GetTimestamp();
        Action<string>? narrate = trace.Enabled ? line => trace.Call($"session {client}: {line}") : null;
        _up = new ImpairedPath<IPEndPoint>(Direction.Up, impairment, SendToServerAsync, (d, _) => SendToServer(d.Span), noDuplication: false, options, counters, narrate);
        bool beyondLoopback = !IPAddress.IsLoopback(client.Address.IsIPv4MappedToIPv6 ? client.Address.MapToIPv4() : client.Address);
        _down = new ImpairedPath<IPEndPoint>(Direction.Down, impairment, SendToClientAsync, (d, _) => SendToClient(d.Span), noDuplication: beyondLoopback && !options.AllowAmplification, options, counters, narrate);
        trace.Call($"session {client}: socket(), connect({options.Target}) -> from {_upstream.LocalEndPoint}");
    }

    public IPEndPoint Client => _client;

    /// <summary>When a datagram last went either way (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastActivity => Interlocked.Read(ref _lastActivity);

    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Its number in the <see cref="UdpDownRelay"/> that relays its replies.</summary>
    public long DownId { get; set; }

    /// <summary>Starts relaying the server's replies: by the shared <see cref="UdpDownRelay"/> where there is one, else by a receive of its own.</summary>
    public void Start() => Completion = _downRelay is not null && _downRelay.Add(this, _upstream) ? _downRetired.Task : ReceiveDownAsync();

    /// <summary>
    /// On the <see cref="UdpDownRelay"/>'s thread, when the upstream socket is readable: every reply queued there,
    /// each through the downward path, those sent straight on gathered into one sendmmsg.
    /// </summary>
    public void RelayDown(DatagramBatch received, DatagramBatch replies, Socket listener)
    {
        int count;
        try
        {
            count = received.Receive(_upstream, wait: false);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
        {
            _trace.Call($"session {_client}: the target answered with ICMP port unreachable");
            return;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return;
        }
        if (count == 0)
        {
            return;
        }
        Interlocked.Exchange(ref _lastActivity, _options.TimeProvider.GetTimestamp());
        _downBuffer ??= GC.AllocateUninitializedArray<byte>(DatagramBatch.SlotSize);
        _downBatch = replies;
        try
        {
            for (int i = 0; i < count; i++)
            {
                Span<byte> reply = received.Payload(i);
                reply.CopyTo(_downBuffer);
                ValueTask sent = _down.SendAsync(_downBuffer.AsMemory(0, reply.Length), _client);
                if (!sent.IsCompletedSuccessfully)
                {
                    sent.AsTask().GetAwaiter().GetResult();
                }
            }
            replies.Send(listener, _sentDown, _failedDown);
        }
        catch (ObjectDisposedException)
        {
            // The relay is stopping: nothing queued here may go out with the next session's replies.
            replies.Clear();
        }
        finally
        {
            _downBatch = null;
        }
    }

    /// <summary>On the <see cref="UdpDownRelay"/>'s thread, once the session has ended: its downward impairment retired, its completion told.</summary>
    public void RetireDown()
    {
        _down.RetireAsync().AsTask().GetAwaiter().GetResult();
        _downRetired.TrySetResult();
    }

    /// <summary>What this session's impairment engines in force have done.</summary>
    public ImpairmentCounters LiveImpairment => ImpairmentCounters.Sum(_up.Live, _down.Live);

    /// <summary>
    /// Relays a client's datagram, from the relay's receive thread: sent before this returns when nothing is impaired,
    /// handed to the impairment engine otherwise (which sends on its own timers; its hand-over waits for no delay).
    /// </summary>
    public void SendUp(ReadOnlyMemory<byte> datagram)
    {
        Interlocked.Exchange(ref _lastActivity, _options.TimeProvider.GetTimestamp());
        try
        {
            ValueTask sent = _up.SendAsync(datagram, _options.Target);
            if (!sent.IsCompletedSuccessfully)
            {
                sent.AsTask().GetAwaiter().GetResult();
            }
        }
        catch (ObjectDisposedException)
        {
            // The session ended meanwhile.
        }
    }

    private void SendToServer(ReadOnlySpan<byte> datagram)
    {
        try
        {
            _upstream.Send(datagram, SocketFlags.None);
            Interlocked.Increment(ref _counters.DatagramsUp);
            Interlocked.Add(ref _counters.BytesUp, datagram.Length);
            if (_trace.Enabled)
            {
                _trace.Call($"session {_client}: send({datagram.Length} bytes) toward {_options.Target}");
            }
        }
        catch (SocketException e)
        {
            // An earlier datagram drew ICMP port unreachable: that one is lost, as it would be without us.
            _trace.Call($"session {_client}: send -> {e.SocketErrorCode}");
        }
    }

    private void SendToClient(ReadOnlySpan<byte> datagram)
    {
        if (_downBatch is { } batch && !_trace.Enabled)
        {
            datagram.CopyTo(batch.Next);
            batch.Add(datagram.Length, _clientAddress);
            return;
        }
        try
        {
            _listener.SendTo(datagram, SocketFlags.None, _clientAddress);
            Interlocked.Increment(ref _counters.DatagramsDown);
            Interlocked.Add(ref _counters.BytesDown, datagram.Length);
            if (_trace.Enabled)
            {
                _trace.Call($"session {_client}: sendto({datagram.Length} bytes, {_client})");
            }
        }
        catch (SocketException e)
        {
            _trace.Call($"session {_client}: sendto -> {e.SocketErrorCode}");
        }
    }

    private async ValueTask SendToServerAsync(ReadOnlyMemory<byte> datagram, IPEndPoint target)
    {
        try
        {
            await _upstream.SendAsync(datagram, SocketFlags.None, _stop.Token);
            Interlocked.Increment(ref _counters.DatagramsUp);
            Interlocked.Add(ref _counters.BytesUp, datagram.Length);
            _trace.Call($"session {_client}: send({datagram.Length} bytes) toward {_options.Target}");
        }
        catch (SocketException e)
        {
            // An earlier datagram drew ICMP port unreachable: that one is lost, as it would be without us.
            _trace.Call($"session {_client}: send -> {e.SocketErrorCode}");
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task ReceiveDownAsync()
    {
        byte[] buffer = new byte[65536];
        while (!_stop.IsCancellationRequested)
        {
            int read;
            try
            {
                read = await _upstream.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                _trace.Call($"session {_client}: the target answered with ICMP port unreachable");
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
            Interlocked.Exchange(ref _lastActivity, _options.TimeProvider.GetTimestamp());
            try
            {
                await _down.SendAsync(buffer.AsMemory(0, read), _client);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
        }
        await _down.RetireAsync();
    }

    private async ValueTask SendToClientAsync(ReadOnlyMemory<byte> datagram, IPEndPoint client)
    {
        try
        {
            await _listener.SendToAsync(datagram, SocketFlags.None, client, _stop.Token);
            Interlocked.Increment(ref _counters.DatagramsDown);
            Interlocked.Add(ref _counters.BytesDown, datagram.Length);
            _trace.Call($"session {client}: sendto({datagram.Length} bytes, {client})");
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
        catch (SocketException e)
        {
            _trace.Call($"session {client}: sendto -> {e.SocketErrorCode}");
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _upstream.Dispose();
        _downRelay?.Remove(this);
    }

    /// <summary>Retires the upward engine once the relay's loop, its only user, is done with this session.</summary>
    public ValueTask RetireUpAsync() => _up.RetireAsync();
}
