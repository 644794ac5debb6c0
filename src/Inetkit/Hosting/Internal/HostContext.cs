using Microsoft.Extensions.Logging;

namespace Inetkit.Hosting.Internal;

/// <summary>What every listener loop of one server shares.</summary>
internal sealed class HostContext(
    InetServerOptions options,
    UdpSourcePolicy policy,
    ConnectionTracker tracker,
    OnceGate once,
    Counters counters,
    ImpairmentLedger impairments,
    CancellationToken stopping)
{
    public InetServerOptions Options => options;

    public TimeProvider Clock => options.TimeProvider;

    public UdpSourcePolicy Policy => policy;

    public ConnectionTracker Tracker => tracker;

    public OnceGate Once => once;

    public Counters Counters => counters;

    /// <summary>The impairment engines' counts, per service.</summary>
    public ImpairmentLedger Impairments => impairments;

    /// <summary>Cancelled when the server stops accepting; in-flight connections are not cancelled by it.</summary>
    public CancellationToken Stopping => stopping;

    /// <summary>Datagrams dropped by the source policy: a flood of them must not become a flood of log lines.</summary>
    public LogThrottle DropLog { get; } = new(options.Logger, options.TimeProvider, TimeSpan.FromSeconds(10));

    /// <summary>Connections refused by a cap.</summary>
    public LogThrottle RefusalLog { get; } = new(options.Logger, options.TimeProvider, TimeSpan.FromSeconds(10));

    /// <summary>Socket and service errors that could repeat for every client.</summary>
    public LogThrottle ErrorLog { get; } = new(options.Logger, options.TimeProvider, TimeSpan.FromSeconds(10));

    public void Warn(string message) => ErrorLog.Log(LogLevel.Warning, message);
}
