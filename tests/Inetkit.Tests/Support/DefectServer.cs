using System.Net;
using System.Net.Sockets;

namespace Inetkit.Tests.Support;

/// <summary>
/// A server written in the test with exactly the defect a conformance case must find: on loopback, an ephemeral
/// port, TCP and UDP on the same number, each connection on its own. TCP: each connection gets <c>tcp()</c>'s bytes (or
/// is served by a handler), then a close. UDP: each
/// datagram gets <c>udp(request)</c>'s bytes, or no reply when that is null.
/// </summary>
internal sealed class DefectServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _tcpLoop;
    private readonly Task _udpLoop;
    private readonly List<Task> _connections = [];

    public DefectServer(Func<byte[]>? tcp, Func<byte[], byte[]?>? udp)
        : this(tcp is null ? null : async (client, ct) => await client.SendAsync(tcp(), SocketFlags.None, ct), udp, handler: true)
    {
    }

    private DefectServer(Func<Socket, CancellationToken, Task>? tcp, Func<byte[], byte[]?>? udp, bool handler)
        : this(tcp, udp is null ? null : async (socket, request, from, ct) =>
        {
            if (udp(request) is { } reply)
            {
                await socket.SendToAsync(reply, SocketFlags.None, from, ct);
            }
        })
    {
        _ = handler;
    }

    private DefectServer(Func<Socket, CancellationToken, Task>? tcp, Func<Socket, byte[], EndPoint, CancellationToken, Task>? udp)
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _listener.Listen(64);
        _udp.Bind(EndPoint);
        _tcpLoop = tcp is null ? CloseAsync(_listener) : ServeTcpAsync(tcp);
        _udpLoop = udp is null ? CloseAsync(_udp) : ServeUdpAsync(udp);
    }

    /// <summary>TCP only: <paramref name="serve"/> serves each connection; the server then half-closes and closes it.</summary>
    public static DefectServer Tcp(Func<Socket, CancellationToken, Task> serve) => new(serve, null, handler: true);

    /// <summary>UDP only: <paramref name="answer"/> gets the socket, each datagram and its source, and answers as it likes.</summary>
    public static DefectServer Udp(Func<Socket, byte[], EndPoint, CancellationToken, Task> answer) => new(null, answer);

    /// <summary>Closes the listening socket, as a server that died would: later connects are refused.</summary>
    public void StopListening() => _listener.Dispose();

    public IPEndPoint EndPoint { get; }

    private static Task CloseAsync(Socket socket)
    {
        // Not served on this transport: nothing listens, so connects are refused and datagrams draw ICMP.
        socket.Dispose();
        return Task.CompletedTask;
    }

    private async Task ServeTcpAsync(Func<Socket, CancellationToken, Task> serve)
    {
        try
        {
            while (true)
            {
                Socket client = await _listener.AcceptAsync(_stop.Token);
                lock (_connections)
                {
                    _connections.Add(ServeOneAsync(client, serve));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeOneAsync(Socket client, Func<Socket, CancellationToken, Task> serve)
    {
        using (client)
        {
            try
            {
                await serve(client, _stop.Token);
                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }
    }

    private async Task ServeUdpAsync(Func<Socket, byte[], EndPoint, CancellationToken, Task> answer)
    {
        byte[] buffer = new byte[65536];
        try
        {
            while (true)
            {
                SocketReceiveFromResult got = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                await answer(_udp, buffer[..got.ReceivedBytes], got.RemoteEndPoint, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        _udp.Dispose();
        await Task.WhenAll(_tcpLoop, _udpLoop);
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }
        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}
