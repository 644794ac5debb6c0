using System.Net;
using System.Net.Sockets;

namespace Inetkit.Tests.Support;

/// <summary>TCP listeners on loopback port 0 that nobody accepts from: the open ports a scan should find. The kernel completes the handshake.</summary>
internal sealed class LoopbackListeners : IDisposable
{
    private readonly Socket[] _sockets;

    private LoopbackListeners(Socket[] sockets) => _sockets = sockets;

    /// <summary>The ports, ascending.</summary>
    public IReadOnlyList<int> Ports => [.. _sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port).Order()];

    public static LoopbackListeners Start(int count, IPAddress? address = null, int backlog = 16)
    {
        var sockets = new Socket[count];
        for (int i = 0; i < count; i++)
        {
            sockets[i] = new Socket((address ?? IPAddress.Loopback).AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            sockets[i].Bind(new IPEndPoint(address ?? IPAddress.Loopback, 0));
            sockets[i].Listen(backlog);
        }
        return new LoopbackListeners(sockets);
    }

    public void Dispose()
    {
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }
    }
}
