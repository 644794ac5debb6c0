using Inetkit.Impairment;
using Inetkit.Protocol;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// What every impairment engine of the server has done, per service and transport: for
/// <see cref="InetServerStatistics.Impairment"/> (by kind) and for the metrics (by name, <see cref="ServerMetrics"/>).
/// </summary>
internal sealed class ImpairmentLedger
{
    private readonly Lock _lock = new();
    private readonly List<(ServiceRuntime Service, Transport Transport, Func<ImpairmentCounters> Counters)> _engines = [];
    private readonly Dictionary<(ServiceRuntime Service, Transport Transport), ImpairmentCounters> _ended = [];

    /// <summary>Adds what an engine that is gone did (a TCP connection's toxics), so that nothing per connection is kept.</summary>
    public void Add(ServiceRuntime service, Transport transport, ImpairmentCounters counters)
    {
        lock (_lock)
        {
            _ended[(service, transport)] = ImpairmentCounters.Sum(_ended.GetValueOrDefault((service, transport)), counters);
        }
    }

    public void Register(ServiceRuntime service, Transport transport, Func<ImpairmentCounters> counters)
    {
        lock (_lock)
        {
            _engines.Add((service, transport, counters));
        }
    }

    /// <summary>Per service and transport, the engines gone and running together.</summary>
    public Dictionary<(ServiceRuntime Service, Transport Transport), ImpairmentCounters> ByService()
    {
        lock (_lock)
        {
            var totals = new Dictionary<(ServiceRuntime, Transport), ImpairmentCounters>(_ended);
            foreach ((ServiceRuntime service, Transport transport, Func<ImpairmentCounters> counters) in _engines)
            {
                totals[(service, transport)] = ImpairmentCounters.Sum(totals.GetValueOrDefault((service, transport)), counters());
            }
            return totals;
        }
    }

    public IReadOnlyDictionary<ServiceKind, ImpairmentCounters> Snapshot()
    {
        var byKind = new Dictionary<ServiceKind, ImpairmentCounters>();
        foreach (((ServiceRuntime service, _), ImpairmentCounters counters) in ByService())
        {
            byKind[service.Kind] = ImpairmentCounters.Sum(byKind.GetValueOrDefault(service.Kind), counters);
        }
        return byKind;
    }
}
