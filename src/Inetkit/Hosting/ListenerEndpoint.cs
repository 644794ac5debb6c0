using System.Net;
using Inetkit.Protocol;

namespace Inetkit.Hosting;

/// <summary>A socket the server listens on: which service, which transport, and the address and real port.</summary>
public sealed record ListenerEndpoint(ServiceKind Service, Transport Transport, IPEndPoint EndPoint)
{
    /// <summary>The service's name: the built-in's (<c>echo</c>) unless a definition named it otherwise.</summary>
    public string Name { get; init; } = WellKnownPorts.Name(Service);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name,-8} {(Transport == Transport.Tcp ? "tcp" : "udp"),-4} {EndPoint}";
}
