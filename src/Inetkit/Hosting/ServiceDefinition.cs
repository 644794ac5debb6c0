using System.Net;
using Inetkit.Exec;
using Inetkit.Protocol;

namespace Inetkit.Hosting;

/// <summary>
/// One service the server runs, by name: a built-in (<see cref="Kind"/>) or a program (<see cref="Program"/>), with
/// its own transports, addresses, port and limits. Whatever is left null here comes from <see cref="InetServerOptions"/>,
/// which is the server-wide default (a config file's <c>[defaults]</c>, the command line's options).
/// </summary>
public sealed record ServiceDefinition
{
    /// <summary>The service's name, as logged and traced (<c>echo</c>, <c>qotd-python</c>); unique within a server.</summary>
    public required string Name { get; init; }

    /// <summary>Which built-in it is, or <see cref="ServiceKind.Exec"/> for a program.</summary>
    public ServiceKind Kind { get; init; }

    /// <summary>The program, for <see cref="ServiceKind.Exec"/>; null for a built-in.</summary>
    public ExecProgram? Program { get; init; }

    /// <summary>TCP, UDP or both; null: the server's <see cref="InetServerOptions.Transports"/>.</summary>
    public Transport? Transports { get; init; }

    /// <summary>Addresses to bind; null: the server's.</summary>
    public IReadOnlyList<IPAddress>? BindAddresses { get; init; }

    /// <summary>The port (0 picks a free one); null: a built-in's well-known port plus the server's offset. A program needs one.</summary>
    public int? Port { get; init; }

    /// <summary>This service's own cap on connections at once, beside the server's cap over all services; null: none of its own.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>This service's own cap on connections from one address, beside the server's; null: none of its own.</summary>
    public int? MaxConnectionsPerSource { get; init; }

    /// <summary>Its idle timeout; null: the server's.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Its datagrams per second per source (its own buckets); null: the server's shared policy.</summary>
    public double? UdpRate { get; init; }

    /// <summary>Its datagrams per second from all sources (its own bucket); null: the server's shared policy.</summary>
    public double? UdpGlobalRate { get; init; }

    /// <summary>Its amplification rule; null: the server's.</summary>
    public bool? AllowAmplification { get; init; }

    /// <summary>What is done to its traffic on purpose; null: the server's.</summary>
    public Impairment.ImpairmentSpec? Impairment { get; init; }

    /// <summary>Who may use it; null: the server's <see cref="InetServerOptions.Access"/>.</summary>
    public AccessList? Access { get; init; }

    /// <summary>A built-in named after itself (<c>echo</c>), with everything else from the server.</summary>
    public static ServiceDefinition For(ServiceKind kind) => new() { Name = WellKnownPorts.Name(kind), Kind = kind };
}
