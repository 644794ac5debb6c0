using System.Net.Sockets;

namespace Inetkit.Hosting.Systemd;

/// <summary>A listening socket handed over by systemd (or <c>systemd-socket-activate</c>), with the name its unit gave it.</summary>
public sealed record ActivatedSocket(string Name, Socket Socket)
{
    /// <summary>TCP for a stream socket, UDP for a datagram socket: the socket says, whatever its name says.</summary>
    public Protocol.Transport Transport => Socket.SocketType == SocketType.Stream ? Protocol.Transport.Tcp : Protocol.Transport.Udp;
}
