using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;

namespace Inetkit.Tests.Support;

/// <summary>Raw-socket client moves for tests, written with plain sockets so they test the server and not our own clients.</summary>
internal static class Net
{
    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken, IPAddress? from = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (from is not null)
            {
                socket.Bind(new IPEndPoint(from, 0));
            }
            await socket.ConnectAsync(endPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Asserts that the server closes a new connection at once without a byte: refused, reset during the
    /// handshake (the RST can beat the connect's completion), or reset or closed on the first read.
    /// </summary>
    public static async Task AssertClosedAtOnceAsync(IPEndPoint endPoint, CancellationToken cancellationToken, IPAddress? from = null)
    {
        Socket socket;
        try
        {
            socket = await ConnectAsync(endPoint, cancellationToken, from);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
        {
            return;
        }
        using (socket)
        {
            Assert.Empty(await ReadToEndAsync(socket, cancellationToken, resetIsEnd: true));
        }
    }

    /// <summary>Reads until the peer closes (or resets, which ends the read the same way for these tests' purposes when <paramref name="resetIsEnd"/>).</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket, CancellationToken cancellationToken, bool resetIsEnd = false)
    {
        var all = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (SocketException e) when (resetIsEnd && e.SocketErrorCode == SocketError.ConnectionReset)
            {
                return all.ToArray();
            }
            if (read == 0)
            {
                return all.ToArray();
            }
            all.Write(buffer, 0, read);
        }
    }

    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        int done = 0;
        while (done < count)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(done), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException($"connection closed after {done} of {count} bytes");
            }
            done += read;
        }
        return buffer;
    }

    public static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            data = data[await socket.SendAsync(data, SocketFlags.None, cancellationToken)..];
        }
    }

    public static Socket Udp(AddressFamily family, IPAddress? from = null, int port = 0)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(from ?? (family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback), port));
        return socket;
    }

    /// <summary>Sends one datagram from a fresh socket and returns the one reply.</summary>
    public static async Task<byte[]> UdpExchangeAsync(IPEndPoint server, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        using Socket socket = Udp(server.AddressFamily);
        return await UdpExchangeAsync(socket, server, request, cancellationToken);
    }

    public static async Task<byte[]> UdpExchangeAsync(Socket socket, IPEndPoint server, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        await socket.SendToAsync(request, SocketFlags.None, server, cancellationToken);
        var buffer = new byte[65536];
        var from = new IPEndPoint(server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        SocketReceiveFromResult result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, cancellationToken);
        Assert.Equal(server, result.RemoteEndPoint);
        return buffer[..result.ReceivedBytes];
    }

    /// <summary>
    /// The reply a service gives over a transport: over TCP, the request is sent, the client half-closes, and
    /// everything until the server's close is the reply; over UDP, one datagram each way.
    /// </summary>
    public static async Task<byte[]> ExchangeAsync(IPEndPoint server, Transport transport, byte[] request, CancellationToken cancellationToken)
    {
        if (transport == Transport.Udp)
        {
            return await UdpExchangeAsync(server, request, cancellationToken);
        }
        using Socket socket = await ConnectAsync(server, cancellationToken);
        await SendAllAsync(socket, request, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
        return await ReadToEndAsync(socket, cancellationToken);
    }

    public static byte[] RandomBytes(int length, int seed = 862)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
