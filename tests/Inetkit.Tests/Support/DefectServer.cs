using System.Net;
using System.Net.Sockets;

namespace Inetkit.Tests.Support;

/// <summary>
/// A server written in the test with exactly the defect a conformance case must find: on loopback, an ephemeral
/// port, TCP and UDP on the same number. TCP: each connection gets <c>tcp()</c>'s bytes, then a close. UDP: each
/// datagram gets <c>udp(request)</c>'s bytes, or no reply when that is null.
/// </summary>
internal sealed class DefectServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _tcpLoop;
    private readonly Task _udpLoop;

    public DefectServer(Func<byte[]>? tcp, Func<byte[], byte[]?>? udp)
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _listener.Listen(64);
        _udp.Bind(EndPoint);
        _tcpLoop = tcp is null ? CloseAsync(_listener) : ServeTcpAsync(tcp);
        _udpLoop = udp is null ? CloseAsync(_udp) : ServeUdpAsync(udp);
    }

    public IPEndPoint EndPoint { get; }

    private static Task CloseAsync(Socket socket)
    {
        // Not served on this transport: nothing listens, so connects are refused and datagrams draw ICMP.
        socket.Dispose();
        return Task.CompletedTask;
    }

    private async Task ServeTcpAsync(Func<byte[]> reply)
    {
        try
        {
            while (true)
            {
                using Socket client = await _listener.AcceptAsync(_stop.Token);
                await client.SendAsync(reply(), SocketFlags.None, _stop.Token);
                client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeUdpAsync(Func<byte[], byte[]?> answer)
    {
        byte[] buffer = new byte[65536];
        try
        {
            while (true)
            {
                SocketReceiveFromResult got = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                if (answer(buffer[..got.ReceivedBytes]) is { } reply)
                {
                    await _udp.SendToAsync(reply, SocketFlags.None, got.RemoteEndPoint, _stop.Token);
                }
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
        _stop.Dispose();
    }
}
