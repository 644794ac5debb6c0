using System.Net;
using Inetkit.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inetkit.Hosting;

/// <summary>What <see cref="InetServer.StartAsync"/> serves, where, and within which limits. Defaults are safe.</summary>
public sealed record InetServerOptions
{
    /// <summary>The loopback addresses bound when none are given: 127.0.0.1 and ::1.</summary>
    public static IReadOnlyList<IPAddress> LoopbackAddresses { get; } = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    /// <summary>Services to start; all six by default. Ignored when <see cref="Definitions"/> is set.</summary>
    public IReadOnlyList<ServiceKind> Services { get; init; } = WellKnownPorts.All;

    /// <summary>
    /// The services by name, each with settings of its own (a config file's <c>[service.NAME]</c> tables), programs
    /// among them; what a definition leaves null comes from these options. Null: <see cref="Services"/>, each
    /// named after itself, on <see cref="Port"/> or the port map.
    /// </summary>
    public IReadOnlyList<ServiceDefinition>? Definitions { get; init; }

    /// <summary>
    /// Sockets systemd passed (<see cref="Systemd.SocketActivation.Take"/>): when set, each is served by the service its
    /// name names, over the transport its type says, and nothing is bound; a service no socket names is not started.
    /// </summary>
    public IReadOnlyList<Systemd.ActivatedSocket>? ActivatedSockets { get; init; }

    /// <summary>Who may use every service that has no access list of its own (<c>--allow</c>, <c>--deny</c>); everyone by default.</summary>
    public AccessList Access { get; init; } = AccessList.Open;

    /// <summary>If set, receives a record per connection, per datagram a program answered and per refusal (<c>--log-connections</c>).</summary>
    public Action<ConnectionLogEntry>? ConnectionLog { get; init; }

    /// <summary>
    /// Addresses to bind; loopback (127.0.0.1 and ::1) by default. With the default, a machine without IPv6
    /// loopback is served on 127.0.0.1 alone; an address given explicitly must bind or start fails.
    /// </summary>
    public IReadOnlyList<IPAddress>? BindAddresses { get; init; }

    /// <summary>
    /// One port for the one service in <see cref="Services"/>. 0 picks a free port, and works with several services:
    /// each gets its own (shared by its TCP and UDP sockets and every address). Null: use the port map.
    /// </summary>
    public int? Port { get; init; }

    /// <summary>Added to each well-known port when <see cref="Port"/> is null; 10000 by default, 0 for the real ports.</summary>
    public int PortOffset { get; init; } = WellKnownPorts.DefaultOffset;

    /// <summary>TCP, UDP or both (the default).</summary>
    public Transport Transports { get; init; } = Transport.Both;

    /// <summary>Serve one connection or one datagram, then stop (the seed's Example #1).</summary>
    public bool Once { get; init; }

    /// <summary>The quotes for qotd.</summary>
    public QuoteBook Quotes { get; init; } = QuoteBook.BuiltIn;

    /// <summary>The daytime line's shape.</summary>
    public DaytimeFormat DaytimeFormat { get; init; } = DaytimeFormat.Ctime;

    /// <summary>
    /// TCP connections being served at once, over all services; further clients are closed at once. A connection
    /// whose service is done stops counting while it lingers for the client's FIN (at most 2 s; at most this many
    /// linger, the rest close at once).
    /// </summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>
    /// Open TCP connections from one address. Null: no cap for loopback clients, <see cref="DefaultMaxConnectionsPerSource"/>
    /// for others. A value applies to every source.
    /// </summary>
    public int? MaxConnectionsPerSource { get; init; }

    /// <summary>The per-source TCP cap applied to non-loopback clients by default.</summary>
    public const int DefaultMaxConnectionsPerSource = 32;

    /// <summary>A TCP connection with no byte moved either way for this long is closed. <see cref="Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Datagrams per second per source address (a token bucket with a burst of twice the rate, at least 1).
    /// Null: unlimited for loopback sources, <see cref="DefaultUdpRate"/> for others. A value applies to every source.
    /// </summary>
    public double? UdpRate { get; init; }

    /// <summary>The per-source UDP rate applied to non-loopback sources by default.</summary>
    public const double DefaultUdpRate = 10;

    /// <summary>
    /// Datagrams per second over all sources together. Null: unlimited for loopback sources,
    /// <see cref="DefaultUdpGlobalRate"/> for all others together. A value applies to every source.
    /// </summary>
    public double? UdpGlobalRate { get; init; }

    /// <summary>The global UDP rate applied to non-loopback sources by default.</summary>
    public const double DefaultUdpGlobalRate = 1000;

    /// <summary>
    /// Plain RFC behaviour toward non-loopback sources: replies longer than requests (chargen's 512 bytes to an
    /// empty datagram). Off by default, because that is what makes these services amplifiers.
    /// </summary>
    public bool AllowAmplification { get; init; }

    /// <summary>
    /// What is done on purpose to every service's traffic (<c>--impair</c>): by default to what the server sends,
    /// its replies. None by default.
    /// </summary>
    public Impairment.ImpairmentSpec Impairment { get; init; } = Inetkit.Impairment.ImpairmentSpec.None;

    /// <summary>Per service, instead of <see cref="Impairment"/> (<c>--impair echo=loss=5%</c>).</summary>
    public IReadOnlyDictionary<ServiceKind, Impairment.ImpairmentSpec> ServiceImpairments { get; init; } = new Dictionary<ServiceKind, Impairment.ImpairmentSpec>();

    /// <summary>The impairment of <paramref name="service"/>: its own, else the one for all.</summary>
    public Impairment.ImpairmentSpec ImpairmentFor(ServiceKind service) => ServiceImpairments.GetValueOrDefault(service, Impairment);

    /// <summary>The services to run: <see cref="Definitions"/>, else one per entry of <see cref="Services"/>.</summary>
    public IReadOnlyList<ServiceDefinition> ResolveDefinitions() => Definitions
        ?? [.. Services.Select(kind => ServiceDefinition.For(kind) with { Port = Port })];

    /// <summary>How long in-flight work may finish after a stop is asked before connections are closed.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The clock for daytime, time, idle timeouts and rate limits (inject one in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where warnings and errors go (rate-limited where they could repeat per packet).</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>
    /// If set, a Prometheus endpoint listens here for as long as the server runs (<see cref="Metrics.MetricsEndpoint"/>:
    /// <c>/metrics</c>, and <c>/healthz</c>, which answers 503 from the moment <see cref="InetServer.StopAsync"/> begins).
    /// Off by default. Port 0 picks a free one (<see cref="InetServer.Metrics"/> says which). A reload keeps the first start's.
    /// </summary>
    public IPEndPoint? Metrics { get; init; }

    /// <summary>If set, receives one line per socket call, in the seed note's words (<c>recvfrom(65535) -> 11 bytes from ...</c>).</summary>
    public Action<string>? Trace { get; init; }

    /// <summary>
    /// If set, receives every socket call as a structured <see cref="Tracing.TraceEvent"/> (with the calls that wait,
    /// and the bytes moved): what <c>inetkit demo</c> draws. <see cref="Trace"/> and this may be set together.
    /// </summary>
    public Action<Tracing.TraceEvent>? TraceEvents { get; init; }

    /// <summary>
    /// Threads receiving on each UDP socket (each blocked in recvfrom until a datagram comes). One by default: on the
    /// 2-CPU benchmark machine a second thread on the same socket lost a third of the rate to the socket's lock
    /// (docs/benchmarks.md); more may pay on machines with many cores and several busy clients.
    /// </summary>
    public int UdpReceiveLoops { get; init; } = DefaultUdpReceiveLoops;

    /// <summary>The default number of receive threads per UDP socket: one.</summary>
    public const int DefaultUdpReceiveLoops = 1;
}
