using System.Net;
using System.Net.Sockets;
using Inetkit.Impairment;
using Inetkit.Proxy.Internal;
using Inetkit.Proxy.Internal.Linux;
using Inetkit.Protocol;
using Inetkit.Tracing;

namespace Inetkit.Proxy;

/// <summary>
/// A relay in front of any server, over TCP and UDP, embeddable as a test fixture:
/// <c>await using var proxy = await InetProxy.StartAsync(new() { Target = server })</c>, then point the client at
/// <see cref="EndPoint"/>. The target is not checked here: whoever starts a proxy toward a host beyond loopback
/// must hold its owner's authorization (<c>inetkit proxy</c> asks for the scanner's <c>--scope</c>).
/// </summary>
public sealed class InetProxy : IAsyncDisposable
{
    private readonly InetProxyOptions _options;
    private readonly ProxyCounters _counters = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Socket? _tcpListener;
    private readonly UdpRelay? _udp;
    private readonly Tracer _trace;
    private readonly List<Task> _connections = [];
    private readonly SemaphoreSlim _connectionSlots;
    private Task _accepting = Task.CompletedTask;
    private int _stopped;

    private InetProxy(InetProxyOptions options, Socket? tcp, Socket? udp)
    {
        _options = options;
        _trace = new Tracer(options.Trace, "proxy");
        _tcpListener = tcp;
        _connectionSlots = new SemaphoreSlim(options.MaxConnections);
        Impairment = options.Impairment;
        _udp = udp is null ? null : new UdpRelay(udp, options, _counters, _trace.For("proxy/udp"), () => Impairment);
    }

    /// <summary>
    /// What is impaired now; set it to change the impairment for traffic from then on, without dropping connections:
    /// a UDP session applies it from its next datagram, a TCP connection from its next chunk (after what the previous
    /// toxics still held), and an idle one at once (a reset or a timeout toxic starts its clock then).
    /// </summary>
    public ImpairmentSpec Impairment
    {
        get => Volatile.Read(ref _impairment);
        set
        {
            Volatile.Write(ref _impairment, value ?? throw new ArgumentNullException(nameof(value)));
            // After the write: a pump that saw the old token sees the new spec when it wakes.
            Interlocked.Exchange(ref _changed, new CancellationTokenSource()).Cancel();
        }
    }

    private ImpairmentSpec _impairment = ImpairmentSpec.None;
    private CancellationTokenSource _changed = new();

    /// <summary>Cancelled at the next change of <see cref="Impairment"/>.</summary>
    internal CancellationToken ImpairmentChanged => Volatile.Read(ref _changed).Token;

    /// <summary>
    /// If set, asked for each TCP connection, when it opens and again at every change of <see cref="Impairment"/>,
    /// for the impairment that connection has until the next change: the control API draws toxiproxy's
    /// per-connection <c>toxicity</c> here. UDP sessions always read <see cref="Impairment"/>.
    /// </summary>
    public Func<ImpairmentSpec>? ConnectionImpairment { get; set; }

    /// <summary>The relay's counters so far.</summary>
    public ProxyStatistics Statistics => _counters.Snapshot(_udp?.LiveImpairment ?? default);

    /// <summary>Its name in the metrics (<see cref="InetProxyOptions.Name"/>).</summary>
    public string Name => _options.Name;

    /// <summary>TCP connections being relayed now.</summary>
    internal int OpenConnections => _options.MaxConnections - _connectionSlots.CurrentCount;

    /// <summary>The server relayed to.</summary>
    public IPEndPoint Target => _options.Target;

    /// <summary>Where clients connect (TCP and UDP share the port when both are relayed).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)(_tcpListener?.LocalEndPoint ?? ((IPEndPoint)_udpEndPoint!));

    private EndPoint? _udpEndPoint;

    /// <summary>Binds (TCP first, then UDP on the same port) and starts relaying.</summary>
    /// <exception cref="ProxyBindException">The listening address cannot be bound.</exception>
    public static Task<InetProxy> StartAsync(InetProxyOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        bool tcp = options.Transport is null or Protocol.Transport.Tcp;
        bool udp = options.Transport is null or Protocol.Transport.Udp;
        Socket? tcpSocket = null, udpSocket = null;
        try
        {
            IPEndPoint listen = options.Listen;
            if (tcp)
            {
                tcpSocket = Bind(new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp), listen, Protocol.Transport.Tcp);
                tcpSocket.Listen(512);
                listen = (IPEndPoint)tcpSocket.LocalEndPoint!;
            }
            if (udp)
            {
                udpSocket = Bind(new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp), listen, Protocol.Transport.Udp);
            }
        }
        catch
        {
            tcpSocket?.Dispose();
            udpSocket?.Dispose();
            throw;
        }
        var proxy = new InetProxy(options, tcpSocket, udpSocket) { _udpEndPoint = udpSocket?.LocalEndPoint };
        proxy.Start();
        return Task.FromResult(proxy);
    }

    private static Socket Bind(Socket socket, IPEndPoint at, Transport transport)
    {
        try
        {
            if (at.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }
            socket.Bind(at);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ProxyBindException(at, transport, e);
        }
    }

    private void Start()
    {
        if (_tcpListener is not null)
        {
            _trace.Call($"listen({_tcpListener.LocalEndPoint}) -> relaying TCP to {_options.Target}");
            _accepting = AcceptAsync(_tcpListener);
        }
        if (_udp is not null)
        {
            _trace.Call($"bind({_udpEndPoint}) -> relaying UDP to {_options.Target}");
            _udp.Start();
        }
        ProxyMetrics.Watch(this);
    }

    private async Task AcceptAsync(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (!_connectionSlots.Wait(0))
            {
                Interlocked.Increment(ref _counters.ConnectionsRefused);
                _trace.Call($"accept() -> {Tracer.Of(client.RemoteEndPoint)}: closed, {_options.MaxConnections} connections open");
                client.Dispose();
                continue;
            }
            _trace.Call($"accept() -> {Tracer.Of(client.RemoteEndPoint)}");
            Task relay = RelayAsync(client);
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(relay);
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        try
        {
            var toxics = new ConnectionToxics(this);
            var relay = new TcpRelay(client, _options, _counters, _trace.For("proxy/tcp"), toxics);
            // The trace narrates every call of the pumps; with nothing to narrate or impair, the epoll loops relay.
            if (!_trace.Enabled && !EpollRelay.Impairs(toxics.Current()) && EpollRelayLoops.Next() is { } loop)
            {
                await EpollRelay.Start(loop, client, relay, _options, _counters, toxics, _stop.Token);
            }
            else
            {
                await relay.RunAsync(_stop.Token);
            }
        }
        finally
        {
            _connectionSlots.Release();
        }
    }

    /// <summary>Stops listening and ends every relayed connection and session.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        ProxyMetrics.Forget(this);
        await _stop.CancelAsync();
        _tcpListener?.Dispose();
        await _accepting;
        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }
        await Task.WhenAll(open);
        if (_udp is not null)
        {
            await _udp.DisposeAsync();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _connectionSlots.Dispose();
    }
}
