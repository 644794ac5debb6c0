using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting.Internal;
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
    private readonly ConcurrentDictionary<IPEndPoint, UdpSession> _sessions = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _sweeper;
    private Task _receiving = Task.CompletedTask;

    // Sessions ended by the sweeper, whose upward engine the receive loop retires (it alone uses it).
    private readonly ConcurrentBag<UdpSession> _retiring = [];

    private readonly Func<Impairment.ImpairmentSpec> _impairment;

    public UdpRelay(Socket listener, InetProxyOptions options, ProxyCounters counters, Tracer trace, Func<Impairment.ImpairmentSpec> impairment)
    {
        _impairment = impairment;
        _listener = listener;
        _options = options;
        _counters = counters;
        _trace = trace;
        // The host's guards, as serve has them: no source below 1024 (loops), no spoofed-looking source, rate limits
        // beyond loopback. Replies are never longer than what the server sent, so amplification is the server's.
        _policy = new UdpSourcePolicy([((IPEndPoint)listener.LocalEndPoint!).Port], null, null, allowAmplification: true, options.TimeProvider);
        TimeSpan every = options.UdpIdle / 4 > TimeSpan.FromMilliseconds(10) ? options.UdpIdle / 4 : TimeSpan.FromMilliseconds(10);
        _sweeper = options.TimeProvider.CreateTimer(_ => Sweep(), null, every, every);
    }

    /// <summary>What the impairment engines of the sessions open now have done.</summary>
    public Impairment.ImpairmentCounters LiveImpairment =>
        _sessions.Values.Aggregate(default(Impairment.ImpairmentCounters), (sum, s) => Impairment.ImpairmentCounters.Sum(sum, s.LiveImpairment));

    /// <summary>Sessions open now.</summary>
    public int SessionCount => _sessions.Count;

    public void Start() => _receiving = ReceiveAsync();

    private async Task ReceiveAsync()
    {
        byte[] buffer = new byte[65536];
        var any = new IPEndPoint(_listener.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult got;
            try
            {
                got = await _listener.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // Windows reports an earlier reply's ICMP error here; the socket is fine.
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var client = (IPEndPoint)got.RemoteEndPoint;
            ReadOnlyMemory<byte> datagram = buffer.AsMemory(0, got.ReceivedBytes);
            if (_policy.Check(SourceAddress.From(client), datagram.Span, out _) != Hosting.UdpVerdict.Accept)
            {
                Interlocked.Increment(ref _counters.DroppedBySource);
                _trace.Call($"recvfrom -> {got.ReceivedBytes} bytes from {client}: dropped (source guard)");
                continue;
            }
            while (_retiring.TryTake(out UdpSession? ended))
            {
                await ended.RetireUpAsync();
            }
            UdpSession? session = Find(client);
            if (session is null)
            {
                Interlocked.Increment(ref _counters.DroppedNoSession);
                _trace.Call($"recvfrom -> {got.ReceivedBytes} bytes from {client}: dropped ({_options.MaxSessions} sessions open)");
                continue;
            }
            await session.SendUpAsync(datagram);
        }
    }

    private UdpSession? Find(IPEndPoint client)
    {
        if (_sessions.TryGetValue(client, out UdpSession? session))
        {
            return session;
        }
        if (_sessions.Count >= _options.MaxSessions)
        {
            return null;
        }
        session = new UdpSession(client, _listener, _options, _counters, _trace, _impairment, _stop.Token);
        if (!_sessions.TryAdd(client, session))
        {
            session.Dispose();
            return _sessions.GetValueOrDefault(client);
        }
        Interlocked.Increment(ref _counters.Sessions);
        session.Start();
        return session;
    }

    private void Sweep()
    {
        long now = _options.TimeProvider.GetTimestamp();
        foreach ((IPEndPoint client, UdpSession session) in _sessions)
        {
            if (_options.TimeProvider.GetElapsedTime(session.LastActivity, now) >= _options.UdpIdle && _sessions.TryRemove(client, out _))
            {
                Interlocked.Increment(ref _counters.SessionsExpired);
                _trace.Call($"session {client}: idle for {_options.UdpIdle.TotalSeconds:0.###} s, closed");
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
        await Task.WhenAll(_sessions.Values.Select(s => s.Completion));
        foreach (UdpSession session in _sessions.Values.Concat(_retiring))
        {
            await session.RetireUpAsync();
        }
        _sessions.Clear();
        _stop.Dispose();
    }
}
