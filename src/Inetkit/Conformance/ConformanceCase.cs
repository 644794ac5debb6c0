using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>
/// One numbered check of a server against its RFC: an id (<c>time/udp/seconds-since-1900</c>), a level, the RFC
/// reference and the sentence it rests on, and one check over a connection or datagram exchange.
/// </summary>
public sealed class ConformanceCase(ServiceKind service, Transport transport, string name, CaseLevel level, string rfc, string quote, Func<CaseContext, Task<CaseOutcome>> check)
{
    /// <summary><c>service/transport/name</c>.</summary>
    public string Id { get; } = $"{WellKnownPorts.Name(service)}/{(transport == Transport.Udp ? "udp" : "tcp")}/{name}";

    /// <summary>The service checked.</summary>
    public ServiceKind Service => service;

    /// <summary>TCP or UDP.</summary>
    public Transport Transport => transport;

    /// <summary>Must, should or info.</summary>
    public CaseLevel Level => level;

    /// <summary>The RFC and section, e.g. <c>RFC 868</c>.</summary>
    public string Rfc => rfc;

    /// <summary>The RFC's sentence the case rests on, or what every client relies on where the RFC is silent.</summary>
    public string Quote => quote;

    internal Task<CaseOutcome> CheckAsync(CaseContext context) => check(context);
}
