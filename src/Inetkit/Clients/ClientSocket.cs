using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;
using Inetkit.Tracing;

namespace Inetkit.Clients;

/// <summary>
/// A client's socket: connected TCP, or UDP connected to one server (so that an ICMP port unreachable comes back
/// as "refused" instead of silence). Every wait is bounded by the timeout, every call is traced, and socket
/// errors become <see cref="ClientException"/>s that say what happened with whom.
/// </summary>
internal sealed class ClientSocket : IDisposable
{
    private readonly Socket _socket;
    private readonly Tracer _trace;
    private readonly TimeSpan _timeout;
    private readonly string _name;
    private readonly bool _connected;
    private bool _disposed;

    private ClientSocket(Socket socket, IPEndPoint remote, Tracer trace, TimeSpan timeout, string name, bool connected = true)
    {
        _socket = socket;
        Remote = remote;
        _trace = trace;
        _timeout = timeout;
        _name = name;
        _connected = connected;
    }

    public IPEndPoint Remote { get; }

    public bool IsUdp => _socket.SocketType == SocketType.Dgram;

    /// <summary>Opens a connection to the first of the address's endpoints that answers.</summary>
    public static async Task<ClientSocket> OpenAsync(ServiceAddress address, ServiceKind service, ClientOptions options, CancellationToken cancellationToken) =>
        await OpenAsync(await address.ResolveAsync(cancellationToken), service, options, cancellationToken);

    /// <summary>Opens a connection to the first of <paramref name="candidates"/> that answers (addresses already resolved and checked, as by <c>check</c>).</summary>
    public static async Task<ClientSocket> OpenAsync(IReadOnlyList<IPEndPoint> candidates, ServiceKind service, ClientOptions options, CancellationToken cancellationToken)
    {
        bool tcp = options.Transport != Transport.Udp;
        string name = $"{WellKnownPorts.Name(service)}/{(tcp ? "tcp" : "udp")}";
        var trace = new Tracer(TraceSink.Create(options.Trace, options.TraceEvents, options.TimeProvider), name);
        ClientException? last = null;
        foreach (IPEndPoint remote in candidates)
        {
            var socket = tcp
                ? new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
                : new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            trace.Call("socket", $"{Tracer.Family(remote.AddressFamily)}, {Tracer.Kind(socket.SocketType)}");
            var client = new ClientSocket(socket, remote, trace, options.Timeout, name);
            try
            {
                using var timeout = client.TimeoutSource(cancellationToken);
                if (tcp)
                {
                    trace.Waiting("connect", remote.ToString());
                }
                try
                {
                    await socket.ConnectAsync(remote, timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    trace.Call("connect", remote.ToString(), $"timed out after {Seconds(options.Timeout)}", peer: remote, failed: true);
                    throw new ClientException(ClientFailure.Timeout, $"no answer from {remote} ({name}) within {Seconds(options.Timeout)}: No connection!");
                }
                if (tcp)
                {
                    trace.Call("connect", remote.ToString(), $"from {socket.LocalEndPoint}", peer: remote, local: socket.LocalEndPoint);
                }
                else
                {
                    trace.Call("connect", remote.ToString(), peer: remote, local: socket.LocalEndPoint, comment: "# UDP: only fixes the peer, sends nothing");
                }
                return client;
            }
            catch (SocketException e)
            {
                trace.Call("connect", remote.ToString(), Tracer.Error(e.SocketErrorCode), peer: remote, failed: true);
                last = client.Translate(e);
            }
            catch (ClientException e)
            {
                last = e;
            }
            client.Dispose();
        }
        throw last!;
    }

    /// <summary>
    /// A UDP socket that is not connected, so that it sees a reply from any address and port (and no ICMP error):
    /// for asking where a server's replies come from, or, with <paramref name="localPort"/>, from which port we send.
    /// </summary>
    /// <exception cref="SocketException">The local port cannot be bound (in use, or below 1024 without privilege).</exception>
    public static ClientSocket OpenDatagram(IPEndPoint remote, ServiceKind service, ClientOptions options, int localPort = 0)
    {
        string name = $"{WellKnownPorts.Name(service)}/udp";
        var trace = new Tracer(TraceSink.Create(options.Trace, options.TraceEvents, options.TimeProvider), name);
        var socket = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        trace.Call("socket", $"{Tracer.Family(remote.AddressFamily)}, SOCK_DGRAM");
        try
        {
            socket.Bind(new IPEndPoint(remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, localPort));
        }
        catch (SocketException)
        {
            socket.Dispose();
            throw;
        }
        trace.Call("bind", Tracer.Of(socket.LocalEndPoint), local: socket.LocalEndPoint);
        return new ClientSocket(socket, remote, trace, options.Timeout, name, connected: false);
    }

    /// <summary>TCP: sendall. UDP: one datagram.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // Told before the call: the peer's receive of these bytes must never come first in a diagram.
        if (_trace.Enabled)
        {
            _trace.Call(IsUdp ? "sendto" : "sendall", IsUdp ? $"{data.Length} bytes, {Remote}" : $"{data.Length} bytes", data: data.Span, peer: Remote, local: _socket.LocalEndPoint);
        }
        try
        {
            int sent = 0;
            do
            {
                sent += _connected
                    ? await _socket.SendAsync(data[sent..], SocketFlags.None, cancellationToken)
                    : await _socket.SendToAsync(data, SocketFlags.None, Remote, cancellationToken);
            }
            while (sent < data.Length && !IsUdp);
        }
        catch (SocketException e)
        {
            _trace.Call(IsUdp ? "sendto" : "sendall", IsUdp ? $"{data.Length} bytes, {Remote}" : $"{data.Length} bytes", Tracer.Error(e.SocketErrorCode), peer: Remote, failed: true);
            throw Translate(e);
        }
    }

    /// <summary>
    /// TCP: recv (0 means the server closed). UDP: one datagram. Waits at most the timeout (or
    /// <paramref name="timeout"/>), then fails with <see cref="ClientFailure.Timeout"/>.
    /// </summary>
    public async Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using CancellationTokenSource limit = TimeoutSource(cancellationToken, timeout);
        string call = IsUdp ? "recvfrom" : "recv";
        if (_trace.Enabled)
        {
            _trace.Waiting(call, $"{buffer.Length}", _socket.LocalEndPoint);
        }
        int read;
        try
        {
            read = await _socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _trace.Call(call, $"{buffer.Length}", $"timed out after {Seconds(timeout ?? _timeout)}", peer: Remote, failed: true);
            throw new ClientException(ClientFailure.Timeout, $"no reply from {Remote} ({_name}) within {Seconds(timeout ?? _timeout)}: No connection!");
        }
        catch (SocketException e)
        {
            _trace.Call(call, $"{buffer.Length}", Tracer.Error(e.SocketErrorCode), peer: Remote, failed: true);
            throw Translate(e);
        }
        if (_trace.Enabled)
        {
            string result = IsUdp ? $"{read} bytes from {Remote}" : read == 0 ? "0 bytes (the server closed)" : $"{read} bytes";
            _trace.Call(call, $"{buffer.Length}", result, buffer.Span[..read], Remote, _socket.LocalEndPoint);
        }
        return read;
    }

    /// <summary>An unconnected UDP socket's next datagram and where it came from; waits at most the timeout.</summary>
    public async Task<(int Length, IPEndPoint From)> ReceiveFromAsync(Memory<byte> buffer, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using CancellationTokenSource limit = TimeoutSource(cancellationToken, timeout);
        SocketReceiveFromResult got;
        try
        {
            got = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(Remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClientException(ClientFailure.Timeout, $"no reply to {Remote} ({_name}) within {Seconds(timeout ?? _timeout)}: No connection!");
        }
        catch (SocketException e)
        {
            throw Translate(e);
        }
        var from = (IPEndPoint)got.RemoteEndPoint;
        _trace.Call("recvfrom", $"{buffer.Length}", $"{got.ReceivedBytes} bytes from {from}", buffer.Span[..got.ReceivedBytes], from, _socket.LocalEndPoint);
        return (got.ReceivedBytes, from);
    }

    /// <summary>Receives without a timeout of its own (for measurement loops that keep their own clock); null when cancelled.</summary>
    public async Task<int?> ReceiveUntilCancelledAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            int read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (_trace.Enabled)
            {
                _trace.Call("recvfrom", $"{buffer.Length}", $"{read} bytes from {Remote}", buffer.Span[..read], Remote, _socket.LocalEndPoint);
            }
            return read;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (SocketException e)
        {
            throw Translate(e);
        }
    }

    /// <summary>Reads until the server closes, <paramref name="chunkSize"/> bytes at a time, as the seed's QOTD client does.</summary>
    public async Task<byte[]> ReadToEndAsync(int chunkSize, long limit, CancellationToken cancellationToken)
    {
        var all = new MemoryStream();
        byte[] chunk = new byte[chunkSize];
        while (true)
        {
            int read = await ReceiveAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return all.ToArray();
            }
            all.Write(chunk, 0, read);
            if (all.Length > limit)
            {
                throw new ClientException(ClientFailure.WrongData, $"{Remote} ({_name}) sent more than {limit:N0} bytes without closing; that is not this service");
            }
        }
    }

    /// <summary>Closes with SO_LINGER 0, so that the kernel sends RST instead of FIN: a client that vanishes mid-stream.</summary>
    public void Reset()
    {
        if (!_disposed)
        {
            _socket.LingerState = new LingerOption(true, 0);
            _trace.Call("setsockopt", "SO_LINGER, {on, 0}");
            Dispose();
            _trace.Call("  # the close sent RST: the connection is reset, not closed");
        }
    }

    public void ShutdownSend()
    {
        _trace.Call("shutdown", "SHUT_WR");
        _socket.Shutdown(SocketShutdown.Send);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _trace.Call("close", "");
        _socket.Dispose();
    }

    internal ClientException Translate(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused when IsUdp =>
            new(ClientFailure.Unreachable, $"{Remote} ({_name}) answered with ICMP port unreachable: nothing listens there; is the server running, and on this port?", e),
        SocketError.ConnectionRefused =>
            new(ClientFailure.Unreachable, $"connection to {Remote} ({_name}) refused: nothing listens there; is the server running, and on this port?", e),
        SocketError.ConnectionReset =>
            new(ClientFailure.Unreachable, $"{Remote} ({_name}) reset the connection", e),
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown =>
            new(ClientFailure.Unreachable, $"{Remote} ({_name}) is unreachable: {e.Message}", e),
        SocketError.TimedOut =>
            new(ClientFailure.Timeout, $"no answer from {Remote} ({_name}): No connection!", e),
        _ => new(ClientFailure.Other, $"{Remote} ({_name}): {e.Message}", e),
    };

    private CancellationTokenSource TimeoutSource(CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        // On the wall clock, not the options' TimeProvider: that one is for what a client measures and compares (a
        // check's fake clock stands still, and its timeouts must still strike).
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(timeout ?? _timeout);
        return source;
    }

    internal static string Seconds(TimeSpan span) => span.TotalSeconds >= 1 ? $"{span.TotalSeconds:0.###} s" : $"{span.TotalMilliseconds:0.###} ms";
}
