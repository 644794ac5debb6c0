using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inetkit.Impairment;
using Inetkit.Metrics;

namespace Inetkit.Proxy.Internal;

/// <summary>
/// The proxies' counts on <see cref="InetkitMeter"/>, tagged with each proxy's name: read from their counters (the
/// ones <see cref="InetProxy.Statistics"/> reports) when a scrape asks, so a relay pays nothing more per byte. A proxy
/// counts from its start until it stops; one the control API disables and enables again starts from zero, which
/// Prometheus takes for a counter reset.
/// </summary>
internal static class ProxyMetrics
{
    private static readonly List<InetProxy> Proxies = [];

    public static readonly ObservableCounter<long> Connections = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.proxy.connections", () => Observe(static (p, s) => [(null, null, s.Connections)]), "{connection}",
        "TCP connections relayed (accepted, and connected through to the target).");

    public static readonly ObservableCounter<long> ConnectionsRefused = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.proxy.connections.refused", () => Observe(static (p, s) => [(null, null, s.ConnectionsRefused)]), "{connection}",
        "TCP clients refused: the target refused or did not answer, or the proxy's connection cap was full.");

    public static readonly ObservableUpDownCounter<long> ConnectionsOpen = InetkitMeter.Meter.CreateObservableUpDownCounter(
        "inetkit.proxy.connections.open", () => Observe(static (p, s) => [(null, null, p.OpenConnections)]), "{connection}",
        "TCP connections being relayed now.");

    public static readonly ObservableCounter<long> Relayed = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.proxy.relayed", () => Observe(static (p, s) => [("direction", "up", s.BytesUp), ("direction", "down", s.BytesDown)]), "By",
        "Payload bytes relayed, TCP and UDP, by the direction: up (client to server), down (server to client).");

    public static readonly ObservableCounter<long> Datagrams = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.proxy.datagrams", () => Observe(static (p, s) => [("direction", "up", s.DatagramsUp), ("direction", "down", s.DatagramsDown)]), "{datagram}",
        "Datagrams relayed, by the direction: up, down.");

    public static readonly ObservableCounter<long> Sessions = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.proxy.sessions", () => Observe(static (p, s) => [(null, null, s.Sessions)]), "{session}",
        "UDP sessions opened (a client address and its own upstream socket).");

    public static readonly ObservableCounter<long> SessionsExpired = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.proxy.sessions.expired", () => Observe(static (p, s) => [(null, null, s.SessionsExpired)]), "{session}",
        "UDP sessions ended by --udp-idle.");

    public static readonly ObservableCounter<long> DatagramsDropped = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.proxy.datagrams.dropped", () => Observe(static (p, s) => [("reason", "no_session", s.DatagramsDroppedNoSession), ("reason", "source_guard", s.DatagramsDroppedBySource)]), "{datagram}",
        "Datagrams not relayed, by the reason: no_session (--max-sessions were open), source_guard (a source port below 1024, a rate, a spoofed-looking source).");

    public static readonly ObservableCounter<long> ImpairmentDecisions = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.proxy.impairment.decisions", () => Observe(static (p, s) => Decisions(s.Impairment)), null,
        "What the proxy's impairment did, by the decision: lost, duplicated, reordered, delayed, corrupted, rate_dropped.");

    public static void Watch(InetProxy proxy)
    {
        lock (Proxies)
        {
            Proxies.Add(proxy);
        }
    }

    public static void Forget(InetProxy proxy)
    {
        lock (Proxies)
        {
            Proxies.Remove(proxy);
        }
    }

    private static (string?, string?, long)[] Decisions(ImpairmentCounters c) =>
    [
        ("decision", "lost", c.Lost), ("decision", "duplicated", c.Duplicated), ("decision", "reordered", c.Reordered),
        ("decision", "delayed", c.Delayed), ("decision", "corrupted", c.Corrupted), ("decision", "rate_dropped", c.RateDropped),
    ];

    /// <summary>One measurement per proxy name and label value, summed over the proxies of that name (a series is reported once).</summary>
    private static List<Measurement<long>> Observe(Func<InetProxy, ProxyStatistics, (string? Key, string? Value, long Count)[]> pick)
    {
        var totals = new Dictionary<(string Proxy, string? Key, string? Value), long>();
        lock (Proxies)
        {
            foreach (InetProxy proxy in Proxies)
            {
                foreach ((string? key, string? value, long count) in pick(proxy, proxy.Statistics))
                {
                    totals[(proxy.Name, key, value)] = totals.GetValueOrDefault((proxy.Name, key, value)) + count;
                }
            }
        }
        var measurements = new List<Measurement<long>>(totals.Count);
        foreach (((string name, string? key, string? value), long count) in totals)
        {
            var tags = new TagList { { "proxy", name } };
            if (key is not null)
            {
                tags.Add(key, value);
            }
            measurements.Add(new Measurement<long>(count, tags));
        }
        return measurements;
    }
}
