using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inetkit.Hosting.Internal;
using Inetkit.Impairment;
using Inetkit.Metrics;
using Inetkit.Protocol;

namespace Inetkit.Hosting;

/// <summary>
/// The servers' instruments on <see cref="InetkitMeter"/>, each tagged with the service's name and transport (and a
/// reason or an outcome from a fixed set; never a client's address). The names are OpenTelemetry's dotted ones; a
/// Prometheus exporter adds the unit and <c>_total</c> (<c>inetkit.connections.accepted</c> is scraped as
/// <c>inetkit_connections_accepted_total</c>). Every listener loop adds to them through its service's
/// <see cref="Internal.ServiceMetrics"/>, whose tags are built once.
/// </summary>
internal static class ServerMetrics
{
    public static readonly Counter<long> ConnectionsAccepted = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.connections.accepted", "{connection}", "TCP connections admitted: past the access list, the caps, the program's instances and --once.");

    public static readonly Counter<long> ConnectionsRefused = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.connections.refused", "{connection}", "TCP clients closed at once (with a reset), by the reason: cap, per_source, service_cap, service_per_source, access_list, instances, once.");

    public static readonly Counter<long> ConnectionsClosed = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.connections.closed", "{connection}", "Admitted TCP connections that have ended, by the outcome: served, timeout, reset, stopped, error.");

    public static readonly UpDownCounter<long> ConnectionsOpen = InetkitMeter.Meter.CreateUpDownCounter<long>(
        "inetkit.connections.open", "{connection}", "TCP connections being served now, lingering closes included.");

    public static readonly Counter<long> DatagramsReceived = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.datagrams.received", "{datagram}", "UDP datagrams received, before any guard.");

    public static readonly Counter<long> DatagramsAnswered = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.datagrams.answered", "{datagram}", "UDP replies sent (or handed to the impairment).");

    public static readonly Counter<long> DatagramsDropped = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.datagrams.dropped", "{datagram}", "UDP datagrams left unanswered on purpose, by the reason: reserved_source_port, own_port, invalid_source, source_rate, global_rate, reflection, access_list, instances, amplification.");

    public static readonly Counter<long> BytesReceived = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.received", "By", "Payload bytes from clients: TCP counted when the connection closes, UDP per datagram.");

    public static readonly Counter<long> BytesSent = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.sent", "By", "Payload bytes to clients: TCP counted when the connection closes, UDP per reply.");

    public static readonly Counter<long> ExecStarted = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.exec.started", "{process}", "A program service's processes started.");

    public static readonly UpDownCounter<long> ExecRunning = InetkitMeter.Meter.CreateUpDownCounter<long>(
        "inetkit.exec.running", "{process}", "A program service's processes running now (started and not yet reaped).");

    public static readonly Counter<long> ExecFailed = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.exec.failed", "{process}", "A program service's processes that could not be started (posix_spawn failed).");

    public static readonly Counter<long> ExecKilled = InetkitMeter.Meter.CreateCounter<long>(
        "inetkit.exec.killed", "{process}", "A program service's processes that ended by a signal, by the signal's name (SIGTERM, SIGKILL, ...).");

    // The impairment engines keep counts of their own, read when a scrape asks: the servers running now, each its ledger.
    private static readonly List<ImpairmentLedger> Ledgers = [];

    public static readonly ObservableCounter<long> ImpairmentSubmitted = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.impairment.submitted", () => Observe(static c => [(null, c.Submitted)]), null,
        "What --impair was given: replies (UDP), or pieces of the stream (TCP); only for services whose traffic is impaired.");

    public static readonly ObservableCounter<long> ImpairmentDecisions = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.impairment.decisions", () => Observe(static c =>
        [
            ("lost", c.Lost), ("duplicated", c.Duplicated), ("reordered", c.Reordered), ("delayed", c.Delayed),
            ("corrupted", c.Corrupted), ("rate_dropped", c.RateDropped), ("abandoned", c.Abandoned),
        ]), null,
        "What --impair did to what it was given, by the decision: lost, duplicated, reordered, delayed, corrupted, rate_dropped, abandoned (held when the server stopped).");

    /// <summary>Counts a running server's impairments in the metrics until <see cref="Forget"/>.</summary>
    public static void Watch(ImpairmentLedger ledger)
    {
        lock (Ledgers)
        {
            Ledgers.Add(ledger);
        }
    }

    public static void Forget(ImpairmentLedger ledger)
    {
        lock (Ledgers)
        {
            Ledgers.Remove(ledger);
        }
    }

    /// <summary>
    /// One measurement per service, transport and decision, summed over the servers running (two servers of a process
    /// may name a service alike; a series must be reported once).
    /// </summary>
    private static List<Measurement<long>> Observe(Func<ImpairmentCounters, (string? Decision, long Value)[]> pick)
    {
        var totals = new Dictionary<(string Service, Transport Transport, string? Decision), long>();
        lock (Ledgers)
        {
            foreach (ImpairmentLedger ledger in Ledgers)
            {
                foreach (((ServiceRuntime service, Transport transport), ImpairmentCounters counters) in ledger.ByService())
                {
                    foreach ((string? decision, long value) in pick(counters))
                    {
                        totals[(service.Name, transport, decision)] = totals.GetValueOrDefault((service.Name, transport, decision)) + value;
                    }
                }
            }
        }
        var measurements = new List<Measurement<long>>(totals.Count);
        foreach (((string service, Transport transport, string? decision), long value) in totals)
        {
            var tags = new TagList { { "service", service }, { "transport", ServiceMetrics.TransportName(transport) } };
            if (decision is not null)
            {
                tags.Add("decision", decision);
            }
            measurements.Add(new Measurement<long>(value, tags));
        }
        return measurements;
    }
}
