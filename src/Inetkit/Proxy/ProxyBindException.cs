using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;

namespace Inetkit.Proxy;

/// <summary>The proxy cannot listen where it was asked to.</summary>
public sealed class ProxyBindException(IPEndPoint endPoint, Transport transport, SocketException inner)
    : Exception($"cannot listen on {endPoint} ({(transport == Transport.Udp ? "udp" : "tcp")}): {Reason(inner)}", inner)
{
    /// <summary>Where.</summary>
    public IPEndPoint EndPoint { get; } = endPoint;

    private static string Reason(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "address already in use; stop whatever holds it (ss -lntup shows it) or choose another port",
        SocketError.AccessDenied => "permission denied; ports below 1024 need privilege (root or CAP_NET_BIND_SERVICE)",
        SocketError.AddressNotAvailable => "not an address of this machine",
        _ => e.Message,
    };
}
