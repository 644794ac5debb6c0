using System.Diagnostics.Metrics;

namespace Inetkit.Metrics;

/// <summary>
/// The one <see cref="System.Diagnostics.Metrics.Meter"/> every Inetkit instrument is on: the servers' counters
/// (<c>inetkit.connections.accepted</c> and the rest, docs/operations.md), the proxies' and the process's open
/// descriptors. An embedder listens with a <see cref="MeterListener"/> or OpenTelemetry's <c>AddMeter(InetkitMeter.Name)</c>,
/// or serves them all with <see cref="MetricsEndpoint"/>. They are observable instruments over counts kept anyway, so
/// listening changes nothing on the servers' hot paths.
/// </summary>
public static class InetkitMeter
{
    /// <summary>The meter's name: <c>Inetkit</c>.</summary>
    public const string Name = "Inetkit";

    internal static Meter Meter { get; } = new(Name, typeof(InetkitMeter).Assembly.GetName().Version?.ToString());
}
