using System.Net;
using Inetkit.Impairment;
using Inetkit.Protocol;
using Inetkit.Services;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// One named service as it runs: its definition resolved against the server's defaults, and the state of its
/// own (its caps, its UDP policy, its programs). The listener loops read it for every client, so a reload that
/// changes limits replaces what is read here and new clients get the new values while open ones keep theirs.
/// </summary>
internal sealed class ServiceRuntime
{
    public ServiceRuntime(ServiceDefinition definition, InetServerOptions options)
    {
        Name = definition.Name;
        Kind = definition.Kind;
        Metrics = new ServiceMetrics(definition.Name, definition.Kind == ServiceKind.Exec);
        Apply(definition, options);
    }

    public string Name { get; }

    /// <summary>Its counts for the metrics (kept through a reload, as the name is).</summary>
    public ServiceMetrics Metrics { get; }

    public ServiceKind Kind { get; }

    public ServiceDefinition Definition { get; private set; } = null!;

    /// <summary>The built-in's protocol object; null for a program.</summary>
    public IInetService? Service { get; private set; }

    /// <summary>The program and its processes; null for a built-in.</summary>
    public Exec.ExecRunner? Exec { get; private set; }

    public ImpairmentSpec Impairment { get; private set; } = ImpairmentSpec.None;

    public AccessList Access { get; private set; } = AccessList.Open;

    public TimeSpan IdleTimeout { get; private set; }

    /// <summary>The service's own connection caps (none beyond the server's unless its definition sets them).</summary>
    public ServiceCaps Caps { get; } = new(null, null);

    /// <summary>Whose UDP rate limits and guards apply: the server's shared policy, or the service's own.</summary>
    public UdpSourcePolicy Policy { get; set; } = null!;

    /// <summary>Whether the service sets UDP limits of its own, so needs a policy of its own.</summary>
    public bool OwnPolicy => Definition.UdpRate is not null || Definition.UdpGlobalRate is not null || Definition.AllowAmplification is not null;

    public bool AllowAmplification { get; private set; }

    /// <summary>Takes the definition's values (at start, and at a reload for new clients).</summary>
    public void Apply(ServiceDefinition definition, InetServerOptions options)
    {
        Definition = definition;
        // A program holds its socket itself, so nothing of ours is between it and the client to impair.
        Impairment = definition.Kind == ServiceKind.Exec ? ImpairmentSpec.None : definition.Impairment ?? options.ImpairmentFor(definition.Kind);
        Access = definition.Access ?? options.Access;
        IdleTimeout = definition.IdleTimeout ?? options.IdleTimeout;
        AllowAmplification = definition.AllowAmplification ?? options.AllowAmplification;
        // The same object through every reload: connections admitted under it give their count back to it.
        Caps.Max = definition.MaxConnections;
        Caps.MaxPerSource = definition.MaxConnectionsPerSource;
        if (definition.Kind == ServiceKind.Exec)
        {
            if (!OperatingSystem.IsLinux())
            {
                throw new PlatformNotSupportedException("program services need Linux (posix_spawn with pidfd_open)");
            }
            Exec ??= new Exec.ExecRunner(Name, options.Logger, options.TimeProvider, Metrics);
            Exec.Program = definition.Program!;
        }
        else
        {
            Service = ServiceFactory.Create(definition.Kind, options.Quotes, options.TimeProvider, options.DaytimeFormat);
        }
    }

    /// <summary>The port asked for: the definition's, else the built-in's well-known port plus the server's offset.</summary>
    public int RequestedPort(InetServerOptions options) => Definition.Port ?? WellKnownPorts.PortFor(Kind, options.PortOffset);

    public Transport Transports(InetServerOptions options) => Definition.Transports ?? options.Transports;

    public IReadOnlyList<IPAddress>? BindAddresses(InetServerOptions options) => Definition.BindAddresses ?? options.BindAddresses;
}
