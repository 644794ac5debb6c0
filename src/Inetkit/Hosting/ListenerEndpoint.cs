using System.Net;
using Inetkit.Protocol;

namespace Inetkit.Hosting;

/// <summary>A socket the server listens on: which service, which transport, and the address and real port.</summary>
public sealed record ListenerEndpoint(ServiceKind Service, Transport Transport, IPEndPoint EndPoint)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{WellKnownPorts.Name(Service),-8} {(Transport == Transport.Tcp ? "tcp" : "udp"),-4} {EndPoint}";
}
