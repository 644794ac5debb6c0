using System.Net;
using System.Net.Sockets;
using Inetkit.Tracing;

namespace Inetkit.Scanning.Internal;

/// <summary>
/// One probe in flight at a time, over and over: a scan runs as many lanes as its concurrency. A lane keeps its two
/// socket operations for the whole scan, so a probe allocates little beyond its socket. The deadline of the probe
/// in flight is enforced from outside by <see cref="Expire"/>, which closes the socket.
/// </summary>
internal sealed class ProbeLane : IDisposable
{
    private readonly AwaitableSocketArgs _connect = new();
    private readonly AwaitableSocketArgs _receive = new();
    private readonly byte[] _buffer;
    private readonly Lock _gate = new();
    private Socket? _armed;
    private long _deadline;
    private bool _expired;

    public ProbeLane(int index)
    {
        Index = index;
        _buffer = new byte[2048];
        _receive.SetBuffer(_buffer, 0, _buffer.Length);
    }

    public int Index { get; }

    /// <summary>One TCP connect: open (syn-ack), closed (conn-refused, or a connection to itself), filtered.</summary>
    public async ValueTask<ProbeOutcome> ConnectAsync(IPEndPoint target, ScanOptions options, TimeProvider time)
    {
        var trace = new Tracer(TraceSink.Create(options.Trace, options.TraceEvents), $"scan/tcp {target}");
        if (Open(target, SocketType.Stream, trace) is not { } socket)
        {
            return ProbeOutcome.NoResources;
        }
        ProbeOutcome outcome = default;
        try
        {
            return outcome = await ConnectAsync(socket, target, options, time, trace);
        }
        finally
        {
            Close(socket, trace, outcome is { State: PortState.Open, Reason: "syn-ack" } ? "# linger 0: sends RST, leaves no TIME_WAIT" : null);
        }
    }

    private async ValueTask<ProbeOutcome> ConnectAsync(Socket socket, IPEndPoint target, ScanOptions options, TimeProvider time, Tracer trace)
    {
        WindowsSocketOptions.NoSynRetransmissions(socket);
        _connect.RemoteEndPoint = target;
        Arm(socket, time, options.Timeout);
        trace.Waiting("connect", target.ToString());
        SocketError error = await _connect.ConnectAsync(socket);
        if (Disarm())
        {
            trace.Call("connect", target.ToString(), $"no answer within {options.Timeout.TotalMilliseconds:0} ms", peer: target, failed: true, comment: "# filtered");
            return ProbeOutcome.Silent(PortState.Filtered);
        }
        if (error != SocketError.Success)
        {
            ProbeOutcome failed = Classify(error, PortState.Closed, "conn-refused");
            trace.Call("connect", target.ToString(), $"{Describe(error)}: {(failed.IsResourceShortage ? "no local port free, waiting" : failed.State.Name())}", peer: target, failed: true);
            return failed;
        }
        // Linger 0: closing sends RST, so an open port leaves no TIME_WAIT behind on either side.
        socket.LingerState = new LingerOption(true, 0);
        // TCP simultaneous open: on loopback, a connect to a closed port in the ephemeral range can be given that
        // very port as its source and "connect" to itself. Nothing listens there: the port is closed.
        if (IsConnectedToItself(socket))
        {
            trace.Call("connect", target.ToString(), $"connected from {socket.LocalEndPoint}, which is itself (TCP simultaneous open): closed", peer: target, local: socket.LocalEndPoint);
            return new ProbeOutcome(PortState.Closed, "self-connect");
        }
        trace.Call("connect", target.ToString(), $"connected from {socket.LocalEndPoint}: open", peer: target, local: socket.LocalEndPoint);
        string? banner = options.Banner ? await ReadBannerAsync(socket, time, options.BannerWait) : null;
        if (options.Banner)
        {
            trace.Call(banner is null ? $"recv({_buffer.Length}) -> nothing within {options.BannerWait.TotalMilliseconds:0} ms" : $"recv({_buffer.Length}) -> {_receive.BytesTransferred} bytes: {banner}");
        }
        return new ProbeOutcome(PortState.Open, "syn-ack", banner);
    }

    /// <summary>One UDP try on a fresh connected socket: open (any reply), closed (port unreachable), filtered, or silence.</summary>
    public async ValueTask<ProbeOutcome> DatagramAsync(IPEndPoint target, ReadOnlyMemory<byte> probe, ScanOptions options, TimeProvider time)
    {
        var trace = new Tracer(TraceSink.Create(options.Trace, options.TraceEvents), $"scan/udp {target}");
        if (Open(target, SocketType.Dgram, trace) is not { } socket)
        {
            return ProbeOutcome.NoResources;
        }
        try
        {
            return await DatagramAsync(socket, target, probe, options, time, trace);
        }
        finally
        {
            Close(socket, trace, null);
        }
    }

    /// <summary>A new socket, or null when no descriptor is free (the probe waits and tries again).</summary>
    private static Socket? Open(IPEndPoint target, SocketType type, Tracer trace)
    {
        string arguments = $"{Tracer.Family(target.AddressFamily)}, {Tracer.Kind(type)}";
        try
        {
            var socket = new Socket(target.AddressFamily, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
            trace.Call("socket", arguments);
            return socket;
        }
        catch (SocketException e) when (IsResourceShortage(e.SocketErrorCode))
        {
            trace.Call("socket", arguments, $"{e.SocketErrorCode}: no descriptor free, waiting", failed: true);
            return null;
        }
    }

    private static void Close(Socket socket, Tracer trace, string? comment)
    {
        trace.Call("close", "", comment: comment);
        socket.Dispose();
    }

    private async ValueTask<ProbeOutcome> DatagramAsync(Socket socket, IPEndPoint target, ReadOnlyMemory<byte> probe, ScanOptions options, TimeProvider time, Tracer trace)
    {
        // Connected, so that the kernel reports the ICMP port unreachable for this port on this socket.
        try
        {
            socket.Connect(target);
        }
        catch (SocketException e)
        {
            trace.Call($"connect({target}) -> {Describe(e.SocketErrorCode, tcp: false)}");
            return Classify(e.SocketErrorCode, PortState.Closed, "port-unreach");
        }
        trace.Call($"connect({target})  # UDP: only fixes the peer, so the kernel reports its ICMP errors here");
        socket.Send(probe.Span, SocketFlags.None, out SocketError sent);
        trace.Call($"sendto({probe.Length} bytes, {target}){(sent == SocketError.Success ? "" : $" -> {Describe(sent, tcp: false)}")}");
        if (sent != SocketError.Success)
        {
            return Classify(sent, PortState.Closed, "port-unreach");
        }
        Arm(socket, time, options.Timeout);
        SocketError error = await _receive.ReceiveAsync(socket);
        if (Disarm())
        {
            trace.Call($"recvfrom({_buffer.Length}) -> nothing within {options.Timeout.TotalMilliseconds:0} ms");
            return ProbeOutcome.Silent(PortState.OpenFiltered);
        }
        if (error != SocketError.Success)
        {
            ProbeOutcome failed = Classify(error, PortState.Closed, "port-unreach");
            trace.Call($"recvfrom({_buffer.Length}) -> {Describe(error, tcp: false)}: {failed.State.Name()}");
            return failed;
        }
        trace.Call($"recvfrom({_buffer.Length}) -> {_receive.BytesTransferred} bytes from {target}: open");
        return new ProbeOutcome(PortState.Open, "udp-response", options.Banner ? BannerText.From(_buffer.AsSpan(0, _receive.BytesTransferred)) : null);
    }

    /// <summary>An error as the seed's reader meets it: what came back on the wire, and the errno.</summary>
    private static string Describe(SocketError error, bool tcp = true) => error switch
    {
        SocketError.ConnectionRefused => tcp ? "ECONNREFUSED (the port answered with RST)" : "ECONNREFUSED (an ICMP port unreachable came back)",
        SocketError.HostUnreachable => "EHOSTUNREACH (ICMP host unreachable)",
        SocketError.NetworkUnreachable => "ENETUNREACH (no route)",
        SocketError.AccessDenied => "EACCES (ICMP administratively prohibited)",
        SocketError.TimedOut => "ETIMEDOUT",
        _ => error.ToString(),
    };

    /// <summary>Closes the socket of a probe past its deadline; the probe then reports silence. Called by the scan's sweeper.</summary>
    public void Expire(long now)
    {
        Socket? late = null;
        lock (_gate)
        {
            if (_armed is not null && now >= _deadline)
            {
                _expired = true;
                late = _armed;
                _armed = null;
            }
        }
        late?.Dispose();
    }

    public void Dispose()
    {
        _connect.Dispose();
        _receive.Dispose();
    }

    /// <summary>True for a socket whose local and remote endpoints are the same (TCP simultaneous open with itself).</summary>
    internal static bool IsConnectedToItself(Socket socket) =>
        socket.LocalEndPoint is IPEndPoint local && local.Equals(socket.RemoteEndPoint);

    private async ValueTask<string?> ReadBannerAsync(Socket socket, TimeProvider time, TimeSpan wait)
    {
        Arm(socket, time, wait);
        SocketError error = await _receive.ReceiveAsync(socket);
        bool expired = Disarm();
        return !expired && error == SocketError.Success && _receive.BytesTransferred > 0
            ? BannerText.From(_buffer.AsSpan(0, _receive.BytesTransferred))
            : null;
    }

    private void Arm(Socket socket, TimeProvider time, TimeSpan timeout)
    {
        long deadline = time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
        lock (_gate)
        {
            _armed = socket;
            _deadline = deadline;
            _expired = false;
        }
    }

    private bool Disarm()
    {
        lock (_gate)
        {
            _armed = null;
            return _expired;
        }
    }

    private static ProbeOutcome Classify(SocketError error, PortState refused, string refusedReason) => error switch
    {
        SocketError.ConnectionRefused => new ProbeOutcome(refused, refusedReason),
        SocketError.HostUnreachable or SocketError.HostDown => new ProbeOutcome(PortState.Filtered, "host-unreach"),
        SocketError.NetworkUnreachable or SocketError.NetworkDown => new ProbeOutcome(PortState.Filtered, "net-unreach"),
        SocketError.AccessDenied => new ProbeOutcome(PortState.Filtered, "admin-prohibited"),
        SocketError.TimedOut => ProbeOutcome.Silent(refused == PortState.Closed && refusedReason == "port-unreach" ? PortState.OpenFiltered : PortState.Filtered),
        _ when IsResourceShortage(error) => ProbeOutcome.NoResources,
        _ => new ProbeOutcome(PortState.Filtered, error.ToString().ToLowerInvariant()),
    };

    private static bool IsResourceShortage(SocketError error) =>
        error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable or SocketError.AddressNotAvailable or SocketError.AddressAlreadyInUse;
}
