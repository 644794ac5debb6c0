using System.Net;
using System.Net.Sockets;
using Inetkit.Tracing;

namespace Inetkit.Proxy.Internal;

/// <summary>One client address of the UDP relay, with its own upstream socket connected to the target.</summary>
internal sealed class UdpSession : IDisposable
{
    private readonly IPEndPoint _client;
    private readonly Socket _listener;
    private readonly Socket _upstream;
    private readonly InetProxyOptions _options;
    private readonly ProxyCounters _counters;
    private readonly Tracer _trace;
    private readonly CancellationTokenSource _stop;
    private long _lastActivity;

    public UdpSession(IPEndPoint client, Socket listener, InetProxyOptions options, ProxyCounters counters, Tracer trace, CancellationToken stop)
    {
        _client = client;
        _listener = listener;
        _options = options;
        _counters = counters;
        _trace = trace;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _upstream = new Socket(options.Target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _upstream.Connect(options.Target);
        _lastActivity = options.TimeProvider.GetTimestamp();
        trace.Call($"session {client}: socket(), connect({options.Target}) -> from {_upstream.LocalEndPoint}");
    }

    /// <summary>When a datagram last went either way (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastActivity => Interlocked.Read(ref _lastActivity);

    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = ReceiveDownAsync();

    public async ValueTask SendUpAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastActivity, _options.TimeProvider.GetTimestamp());
        try
        {
            await _upstream.SendAsync(datagram, SocketFlags.None, cancellationToken);
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
                return;
            }
            Interlocked.Exchange(ref _lastActivity, _options.TimeProvider.GetTimestamp());
            try
            {
                await _listener.SendToAsync(buffer.AsMemory(0, read), SocketFlags.None, _client, _stop.Token);
                Interlocked.Increment(ref _counters.DatagramsDown);
                Interlocked.Add(ref _counters.BytesDown, read);
                _trace.Call($"session {_client}: sendto({read} bytes, {_client})");
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _trace.Call($"session {_client}: sendto -> {e.SocketErrorCode}");
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _upstream.Dispose();
    }
}
