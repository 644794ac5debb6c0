using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inetkit.Hosting.Internal;
using Inetkit.Impairment;
using Inetkit.Metrics;
using Inetkit.Protocol;

namespace Inetkit.Hosting;

/// <summary>
/// The servers' instruments on <see cref="InetkitMeter"/>, each tagged with the service's name and transport, and a
/// reason, an outcome or a signal from a fixed set; never a client's address. Every reason that applies is reported
/// from zero, so that a rate or an alert sees the first one. They are observable instruments: the listener loops count
/// in their service's <see cref="ServiceMetrics"/>, and a scrape reads every running server's (<see cref="Watch(ServiceMetrics)"/>).
/// The names are OpenTelemetry's dotted ones; a Prometheus exporter adds the unit and <c>_total</c>
/// (<c>inetkit.connections.accepted</c> is scraped as <c>inetkit_connections_accepted_total</c>).
/// </summary>
internal static class ServerMetrics
{
    // The services of the servers running now, and their impairment engines' ledgers.
    private static readonly List<ServiceMetrics> Services = [];
    private static readonly List<ImpairmentLedger> Ledgers = [];

    private static readonly Transport[] BothTransports = [Transport.Tcp, Transport.Udp];

    public static readonly ObservableCounter<long> ConnectionsAccepted = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.connections.accepted", () => Observe(Transport.Tcp, static (s, _) => [(null, null, s.AcceptedCount)]), "{connection}",
        "TCP connections admitted: past the access list, the caps, the program's instances and --once.");

    public static readonly ObservableCounter<long> ConnectionsRefused = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.connections.refused", () => Observe(Transport.Tcp, static (s, _) => [.. Enum.GetValues<RefusalReason>().Where(r => s.Program || r != RefusalReason.Instances).Select(r => ((string?)"reason", (string?)ServiceMetrics.ReasonName(r), s.RefusedCount(r)))]), "{connection}",
        "TCP clients closed at once (with a reset), by the reason: cap, per_source, service_cap, service_per_source, access_list, instances, once.");

    public static readonly ObservableCounter<long> ConnectionsClosed = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.connections.closed", () => Observe(Transport.Tcp, static (s, _) => [.. Enum.GetValues<ConnectionOutcome>().Select(o => ((string?)"outcome", (string?)ServiceMetrics.OutcomeName(o), s.ClosedCount(o)))]), "{connection}",
        "Admitted TCP connections that have ended, by the outcome: served, timeout, reset, stopped, error.");

    public static readonly ObservableUpDownCounter<long> ConnectionsOpen = InetkitMeter.Meter.CreateObservableUpDownCounter(
        "inetkit.connections.open", () => Observe(Transport.Tcp, static (s, _) => [(null, null, s.OpenCount)]), "{connection}",
        "TCP connections being served now, lingering closes included.");

    public static readonly ObservableCounter<long> DatagramsReceived = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.datagrams.received", () => Observe(Transport.Udp, static (s, _) => [(null, null, s.ReceivedCount)]), "{datagram}",
        "UDP datagrams received, before any guard.");

    public static readonly ObservableCounter<long> DatagramsAnswered = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.datagrams.answered", () => Observe(Transport.Udp, static (s, _) => [(null, null, s.AnsweredCount)]), "{datagram}",
        "UDP replies sent (or handed to the impairment).");

    public static readonly ObservableCounter<long> DatagramsDropped = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.datagrams.dropped", () => Observe(Transport.Udp, static (s, _) => [.. ServiceMetrics.DropReasons.Select((r, i) => (r is null || (r == "instances" && !s.Program) ? null : "reason", r, s.DroppedCount(i))).Where(d => d.Item1 is not null)]), "{datagram}",
        "UDP datagrams left unanswered on purpose, by the reason: reserved_source_port, own_port, invalid_source, source_rate, global_rate, reflection, access_list, instances, amplification.");

    public static readonly ObservableCounter<long> BytesReceived = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.received", () => ObserveBoth(static (s, t) => [(null, null, s.BytesIn(t))]), "By",
        "Payload bytes from clients: TCP as the tracker's scan finds them (every 5 s at most) and at the close, UDP per datagram.");

    public static readonly ObservableCounter<long> BytesSent = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.sent", () => ObserveBoth(static (s, t) => [(null, null, s.BytesOut(t))]), "By",
        "Payload bytes to clients: TCP as the tracker's scan finds them (every 5 s at most) and at the close, UDP per reply.");

    public static readonly ObservableCounter<long> ExecStarted = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.exec.started", () => ObservePrograms(static (s, t) => [(null, null, s.ExecStartedCount(t))]), "{process}",
        "A program service's processes started.");

    public static readonly ObservableUpDownCounter<long> ExecRunning = InetkitMeter.Meter.CreateObservableUpDownCounter(
        "inetkit.exec.running", () => ObservePrograms(static (s, t) => [(null, null, s.ExecRunningCount(t))]), "{process}",
        "A program service's processes running now (started and not yet reaped).");

    public static readonly ObservableCounter<long> ExecFailed = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.exec.failed", () => ObservePrograms(static (s, t) => [(null, null, s.ExecFailedCount(t))]), "{process}",
        "A program service's processes that could not be started (posix_spawn failed).");

    public static readonly ObservableCounter<long> ExecKilled = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.exec.killed", () => ObservePrograms(static (s, t) => [.. s.ExecKilled.Where(k => k.Key.Transport == t).Select(k => ((string?)"signal", (string?)k.Key.Signal, k.Value))]), "{process}",
        "A program service's processes that ended by a signal, by the signal's name (SIGTERM, SIGKILL, ...).");

    public static readonly ObservableCounter<long> ImpairmentSubmitted = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.impairment.submitted", () => ObserveImpairments(static c => [(null, c.Submitted)]), null,
        "What --impair was given: replies (UDP), or pieces of the stream (TCP); only for services whose traffic is impaired.");

    public static readonly ObservableCounter<long> ImpairmentDecisions = InetkitMeter.Meter.CreateObservableCounter(
        "inetkit.impairment.decisions", () => ObserveImpairments(static c =>
        [
            ("lost", c.Lost), ("duplicated", c.Duplicated), ("reordered", c.Reordered), ("delayed", c.Delayed),
            ("corrupted", c.Corrupted), ("rate_dropped", c.RateDropped), ("abandoned", c.Abandoned),
        ]), null,
        "What --impair did to what it was given, by the decision: lost, duplicated, reordered, delayed, corrupted, rate_dropped, abandoned (held when the server stopped).");

    /// <summary>Reports a running server's service until <see cref="Forget(ServiceMetrics)"/>.</summary>
    public static void Watch(ServiceMetrics service)
    {
        lock (Services)
        {
            if (!Services.Contains(service))
            {
                Services.Add(service);
            }
        }
    }

    public static void Forget(ServiceMetrics service)
    {
        lock (Services)
        {
            Services.Remove(service);
        }
    }

    /// <summary>Reports a running server's impairments until <see cref="Forget(ImpairmentLedger)"/>.</summary>
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

    private static List<Measurement<long>> Observe(Transport transport, Func<ServiceMetrics, Transport, (string? Key, string? Value, long Count)[]> pick) =>
        Observe(s => (s.Serves & transport) != 0 ? [transport] : [], pick);

    private static List<Measurement<long>> ObserveBoth(Func<ServiceMetrics, Transport, (string? Key, string? Value, long Count)[]> pick) =>
        Observe(s => [.. BothTransports.Where(t => (s.Serves & t) != 0)], pick);

    /// <summary>Only program services have exec series: a built-in's would be zeros forever.</summary>
    private static List<Measurement<long>> ObservePrograms(Func<ServiceMetrics, Transport, (string? Key, string? Value, long Count)[]> pick) =>
        Observe(s => s.Program ? [.. BothTransports.Where(t => (s.Serves & t) != 0)] : [], pick);

    /// <summary>
    /// One measurement per service name, transport and label value, summed over the services of that name (two servers
    /// of a process, or a service a reload removed and one it added, may share a name; a series is reported once).
    /// </summary>
    private static List<Measurement<long>> Observe(Func<ServiceMetrics, Transport[]> transports, Func<ServiceMetrics, Transport, (string? Key, string? Value, long Count)[]> pick)
    {
        var totals = new Dictionary<(string Service, Transport Transport, string? Key, string? Value), long>();
        lock (Services)
        {
            foreach (ServiceMetrics service in Services)
            {
                foreach (Transport transport in transports(service))
                {
                    foreach ((string? key, string? value, long count) in pick(service, transport))
                    {
                        totals[(service.Service, transport, key, value)] = totals.GetValueOrDefault((service.Service, transport, key, value)) + count;
                    }
                }
            }
        }
        return Measurements(totals);
    }

    private static List<Measurement<long>> ObserveImpairments(Func<ImpairmentCounters, (string? Decision, long Value)[]> pick)
    {
        var totals = new Dictionary<(string Service, Transport Transport, string? Key, string? Value), long>();
        lock (Ledgers)
        {
            foreach (ImpairmentLedger ledger in Ledgers)
            {
                foreach (((ServiceRuntime service, Transport transport), ImpairmentCounters counters) in ledger.ByService())
                {
                    foreach ((string? decision, long value) in pick(counters))
                    {
                        var key = (service.Name, transport, decision is null ? null : "decision", decision);
                        totals[key] = totals.GetValueOrDefault(key) + value;
                    }
                }
            }
        }
        return Measurements(totals);
    }

    private static List<Measurement<long>> Measurements(Dictionary<(string Service, Transport Transport, string? Key, string? Value), long> totals)
    {
        var measurements = new List<Measurement<long>>(totals.Count);
        foreach (((string service, Transport transport, string? key, string? value), long count) in totals)
        {
            var tags = new TagList { { "service", service }, { "transport", ServiceMetrics.TransportName(transport) } };
            if (key is not null)
            {
                tags.Add(key, value);
            }
            measurements.Add(new Measurement<long>(count, tags));
        }
        return measurements;
    }
}
