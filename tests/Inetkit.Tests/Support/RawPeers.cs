using System.Net;
using System.Net.Sockets;

namespace Inetkit.Tests.Support;

/// <summary>
/// Peers written with plain sockets inside the tests, so the clients are tested against something other than
/// Inetkit's own servers: they can answer wrongly, late, twice or never, on purpose.
/// </summary>
internal sealed class RawTcpPeer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private RawTcpPeer(Socket listener, Func<Socket, CancellationToken, Task> handler)
    {
        _listener = listener;
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            await handler(client, _stop.Token);
                        }
                        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                        {
                            // The test has ended or the client went away.
                        }
                    }
                });
            }
        });
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public static RawTcpPeer Start(Func<Socket, CancellationToken, Task> handler, bool ipv6 = false)
    {
        var listener = new Socket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        listener.Listen();
        return new RawTcpPeer(listener, handler);
    }

    /// <summary>The seed's QOTD server: sendall, then close.</summary>
    public static RawTcpPeer SendAndClose(byte[] data, bool ipv6 = false) =>
        Start(async (client, ct) => await Net.SendAllAsync(client, data, ct), ipv6);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>A UDP peer whose handler decides, per datagram, what (if anything) to send back.</summary>
internal sealed class RawUdpPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private RawUdpPeer(Socket socket, Func<byte[], int, Func<byte[], Task>, Task> handler)
    {
        _socket = socket;
        _loop = Task.Run(async () =>
        {
            var buffer = new byte[65536];
            var any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            for (int index = 0; ; index++)
            {
                SocketReceiveFromResult received;
                try
                {
                    received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                EndPoint from = received.RemoteEndPoint;
                await handler(buffer[..received.ReceivedBytes], index, reply => _socket.SendToAsync(reply, SocketFlags.None, from));
            }
        });
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary><paramref name="handler"/>(datagram, index, reply): call reply zero, one or more times.</summary>
    public static RawUdpPeer Start(Func<byte[], int, Func<byte[], Task>, Task> handler, bool ipv6 = false) =>
        new(Net.Udp(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork), handler);

    public static RawUdpPeer Echo(bool ipv6 = false) => Start((datagram, _, reply) => reply(datagram), ipv6);

    public static RawUdpPeer Silent() => Start((_, _, _) => Task.CompletedTask);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>Ports that refuse: bound for a moment to learn a free number, then closed, so nothing listens there.</summary>
internal static class ClosedPort
{
    public static int Tcp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static int Udp()
    {
        using Socket socket = Net.Udp(AddressFamily.InterNetwork);
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary><paramref name="count"/> different closed TCP ports, ascending.</summary>
    public static int[] Tcp(int count) => Distinct(count, Tcp);

    /// <summary><paramref name="count"/> different closed UDP ports, ascending.</summary>
    public static int[] Udp(int count) => Distinct(count, Udp);

    private static int[] Distinct(int count, Func<int> next)
    {
        var ports = new SortedSet<int>();
        while (ports.Count < count)
        {
            ports.Add(next());
        }
        return [.. ports];
    }
}
