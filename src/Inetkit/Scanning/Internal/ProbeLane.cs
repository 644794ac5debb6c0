using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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
        Socket socket;
        try
        {
            socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        catch (SocketException e) when (IsResourceShortage(e.SocketErrorCode))
        {
            return ProbeOutcome.NoResources;
        }
        try
        {
            WindowsSocketOptions.NoSynRetransmissions(socket);
            _connect.RemoteEndPoint = target;
            Arm(socket, time, options.Timeout);
            SocketError error = await _connect.ConnectAsync(socket);
            if (Disarm())
            {
                return ProbeOutcome.Silent(PortState.Filtered);
            }
            if (error != SocketError.Success)
            {
                return Classify(error, PortState.Closed, "conn-refused");
            }
            // Linger 0: closing sends RST, so an open port leaves no TIME_WAIT behind on either side.
            socket.LingerState = new LingerOption(true, 0);
            // TCP simultaneous open: on loopback, a connect to a closed port in the ephemeral range can be given that
            // very port as its source and "connect" to itself. Nothing listens there: the port is closed.
            if (IsConnectedToItself(socket))
            {
                return new ProbeOutcome(PortState.Closed, "self-connect");
            }
            string? banner = options.Banner ? await ReadBannerAsync(socket, time, options.BannerWait) : null;
            return new ProbeOutcome(PortState.Open, "syn-ack", banner);
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>One UDP try on a fresh connected socket: open (any reply), closed (port unreachable), filtered, or silence.</summary>
    public async ValueTask<ProbeOutcome> DatagramAsync(IPEndPoint target, ReadOnlyMemory<byte> probe, ScanOptions options, TimeProvider time)
    {
        Socket socket;
        try
        {
            socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        }
        catch (SocketException e) when (IsResourceShortage(e.SocketErrorCode))
        {
            return ProbeOutcome.NoResources;
        }
        try
        {
            // Connected, so that the kernel reports the ICMP port unreachable for this port on this socket.
            try
            {
                socket.Connect(target);
            }
            catch (SocketException e)
            {
                return Classify(e.SocketErrorCode, PortState.Closed, "port-unreach");
            }
            socket.Send(probe.Span, SocketFlags.None, out SocketError sent);
            if (sent != SocketError.Success)
            {
                return Classify(sent, PortState.Closed, "port-unreach");
            }
            Arm(socket, time, options.Timeout);
            SocketError error = await _receive.ReceiveAsync(socket);
            if (Disarm())
            {
                return ProbeOutcome.Silent(PortState.OpenFiltered);
            }
            if (error != SocketError.Success)
            {
                return Classify(error, PortState.Closed, "port-unreach");
            }
            return new ProbeOutcome(PortState.Open, "udp-response", options.Banner ? BannerText.From(_buffer.AsSpan(0, _receive.BytesTransferred)) : null);
        }
        finally
        {
            socket.Dispose();
        }
    }

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

    [Conditional("DEBUG")]
    internal static void AssertIdle(ProbeLane lane) => Debug.Assert(lane._armed is null);
}
