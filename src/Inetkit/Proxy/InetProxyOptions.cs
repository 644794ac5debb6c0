using System.Net;
using Inetkit.Impairment;
using Inetkit.Protocol;

namespace Inetkit.Proxy;

/// <summary>What <see cref="InetProxy"/> relays, from where, to where, and within which bounds.</summary>
public sealed record InetProxyOptions
{
    /// <summary>Where clients connect: loopback and an ephemeral port unless told otherwise.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The server relayed to (already resolved, and already authorized by whoever starts the proxy).</summary>
    public required IPEndPoint Target { get; init; }

    /// <summary>TCP, UDP, or both (null, the default): the same port number for both.</summary>
    public Transport? Transport { get; init; }

    /// <summary>A UDP session (a client address and its own upstream socket) ends after this long without a datagram either way.</summary>
    public TimeSpan UdpIdle { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// UDP sessions at once. Past it, a new client's datagrams are dropped and counted, and no session is evicted,
    /// so that a flood of spoofed sources cannot take over the ones in use.
    /// </summary>
    public int MaxSessions { get; init; } = 1024;

    /// <summary>TCP connections relayed at once; further clients are refused (closed at once) and counted.</summary>
    public int MaxConnections { get; init; } = 512;

    /// <summary>How long connecting to the target may take before the client is refused.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Toward a client beyond loopback, duplication is off unless this is set: the proxy is never an amplifier by
    /// default (no client gets more than the server sent).
    /// </summary>
    public bool AllowAmplification { get; init; }

    /// <summary>The impairment at start; <see cref="InetProxy.Impairment"/> changes it at run time.</summary>
    public ImpairmentSpec Impairment { get; init; } = ImpairmentSpec.None;

    /// <summary>The <c>proxy</c> label of its metrics (<c>inetkit_proxy_connections_total{proxy="..."}</c>); the control API gives each proxy its own name.</summary>
    public string Name { get; init; } = "proxy";

    /// <summary>If set, receives one line per socket call, in the words serve's trace uses.</summary>
    public Action<string>? Trace { get; init; }

    /// <summary>The clock for session expiry and impairment timers.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
