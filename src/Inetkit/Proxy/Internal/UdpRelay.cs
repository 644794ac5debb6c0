using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting.Internal;
using Inetkit.Interop.Linux;
using Inetkit.Threading;
using Inetkit.Tracing;

namespace Inetkit.Proxy.Internal;

/// <summary>
/// The UDP side: one listening socket, and a session per client address with its own upstream socket connected
/// to the target, so that the server's replies find their way back. Sessions expire after
/// <see cref="InetProxyOptions.UdpIdle"/>; past <see cref="InetProxyOptions.MaxSessions"/>, new clients are dropped
/// and counted, and no session is ever evicted for one.
/// </summary>
internal sealed class UdpRelay : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly InetProxyOptions _options;
    private readonly ProxyCounters _counters;
    private readonly Tracer _trace;
    private readonly UdpSourcePolicy _policy;
    private readonly ConcurrentDictionary<SocketAddress, UdpSession> _sessions = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _sweeper;
    private Task _receiving = Task.CompletedTask;

    // Sessions ended by the sweeper, whose upward engine the receive loop retires (it alone uses it).
    private readonly ConcurrentBag<UdpSession> _retiring = [];

    private readonly Func<Impairment.ImpairmentSpec> _impairment;
    private readonly IPEndPoint _anyEndPoint;
    private readonly UdpDownRelay? _downRelay;

    public UdpRelay(Socket listener, InetProxyOptions options, ProxyCounters counters, Tracer trace, Func<Impairment.ImpairmentSpec> impairment)
    {
        _impairment = impairment;
        _listener = listener;
        _anyEndPoint = new IPEndPoint(listener.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        _options = options;
        _counters = counters;
        _trace = trace;
        // The host's guards, as serve has them: no source below 1024 (loops), no spoofed-looking source, rate limits
        // beyond loopback. Replies are never longer than what the server sent, so amplification is the server's.
        _policy = new UdpSourcePolicy([((IPEndPoint)listener.LocalEndPoint!).Port], null, null, allowAmplification: true, options.TimeProvider);
        TimeSpan every = options.UdpIdle / 4 > TimeSpan.FromMilliseconds(10) ? options.UdpIdle / 4 : TimeSpan.FromMilliseconds(10);
        _sweeper = options.TimeProvider.CreateTimer(_ => Sweep(), null, every, every);
        _downRelay = UdpDownRelay.TryStart(listener);
    }

    /// <summary>What the impairment engines of the sessions open now have done.</summary>
    public Impairment.ImpairmentCounters LiveImpairment =>
        _sessions.Values.Aggregate(default(Impairment.ImpairmentCounters), (sum, s) => Impairment.ImpairmentCounters.Sum(sum, s.LiveImpairment));

    /// <summary>Sessions open now.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>
    /// Receives on a thread of its own, in blocking calls, as serve's datagram loops do: woken by the kernel directly,
    /// with no epoll thread and no pool hop per datagram, and allocation-free (one buffer, one reused address).
    /// </summary>
    public void Start() => _receiving = DedicatedThread.Start($"inetkit proxy udp {_listener.LocalEndPoint}", Receive);

    private void Receive()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(65536);
        var from = new SocketAddress(_listener.AddressFamily);
        using DatagramBatch? batch = DatagramBatch.IsSupported ? new DatagramBatch(32) : null;
        while (!_stop.IsCancellationRequested)
        {
            if (batch is not null && !_trace.Enabled)
            {
                // Linux: every datagram already queued in one recvmmsg, each then relayed as below.
                int count;
                try
                {
                    count = batch.Receive(_listener);
                }
                catch (Exception e) when (e is ObjectDisposedException or SocketException)
                {
                    // As below: closing the socket stops the loop; an unconnected socket reports no datagram's error.
                    return;
                }
                if (count == 0)
                {
                    return;
                }
                for (int i = 0; i < count; i++)
                {
                    batch.CopyAddress(i, from);
                    // Into the managed buffer: a session's impaired path takes the datagram as memory.
                    Span<byte> payload = batch.Payload(i);
                    payload.CopyTo(buffer);
                    Relay(buffer.AsMemory(0, payload.Length), from);
                }
                continue;
            }
            int length;
            try
            {
                length = _listener.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset && !_stop.IsCancellationRequested)
            {
                // Windows reports an earlier reply's ICMP error here; the socket is fine.
                continue;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                // Closing the socket is how the relay stops this loop: it wakes the blocked receive.
                return;
            }
            Relay(buffer.AsMemory(0, length), from);
        }
    }

    /// <summary>One client datagram: the source guards, then its session (opened if there is room), then upstream.</summary>
    private void Relay(ReadOnlyMemory<byte> datagram, SocketAddress from)
    {
        int length = datagram.Length;
        if (_policy.Check(SourceAddress.From(from), datagram.Span, out _) != Hosting.UdpVerdict.Accept)
        {
            Interlocked.Increment(ref _counters.DroppedBySource);
            if (_trace.Enabled)
            {
                _trace.Call($"recvfrom -> {length} bytes from {SourceAddress.From(from)}: dropped (source guard)");
            }
            return;
        }
        while (_retiring.TryTake(out UdpSession? ended))
        {
            ended.RetireUpAsync().AsTask().GetAwaiter().GetResult();
        }
        UdpSession? session = Find(from);
        if (session is null)
        {
            Interlocked.Increment(ref _counters.DroppedNoSession);
            if (_trace.Enabled)
            {
                _trace.Call($"recvfrom -> {length} bytes from {SourceAddress.From(from)}: dropped ({_options.MaxSessions} sessions open)");
            }
            return;
        }
        session.SendUp(datagram);
    }

    private UdpSession? Find(SocketAddress from)
    {
        if (_sessions.TryGetValue(from, out UdpSession? session))
        {
            return session;
        }
        if (_sessions.Count >= _options.MaxSessions)
        {
            return null;
        }
        // The key is a copy: the receive loop reuses its address for the next datagram.
        var key = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(key.Buffer.Span);
        var client = (IPEndPoint)_anyEndPoint.Create(key);
        session = new UdpSession(key, client, _listener, _options, _counters, _trace, _impairment, _downRelay, _stop.Token);
        if (!_sessions.TryAdd(key, session))
        {
            session.Dispose();
            return _sessions.GetValueOrDefault(key);
        }
        Interlocked.Increment(ref _counters.Sessions);
        session.Start();
        return session;
    }

    private void Sweep()
    {
        long now = _options.TimeProvider.GetTimestamp();
        foreach ((SocketAddress client, UdpSession session) in _sessions)
        {
            if (_options.TimeProvider.GetElapsedTime(session.LastActivity, now) >= _options.UdpIdle && _sessions.TryRemove(client, out _))
            {
                Interlocked.Increment(ref _counters.SessionsExpired);
                _trace.Call($"session {session.Client}: idle for {_options.UdpIdle.TotalSeconds:0.###} s, closed");
                session.Dispose();
                _retiring.Add(session);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sweeper.DisposeAsync();
        _listener.Dispose();
        await _receiving;
        foreach (UdpSession session in _sessions.Values)
        {
            session.Dispose();
        }
        if (_downRelay is not null)
        {
            await _downRelay.DisposeAsync();
        }
        await Task.WhenAll(_sessions.Values.Select(s => s.Completion));
        foreach (UdpSession session in _sessions.Values.Concat(_retiring))
        {
            await session.RetireUpAsync();
        }
        _sessions.Clear();
        _stop.Dispose();
    }
}
