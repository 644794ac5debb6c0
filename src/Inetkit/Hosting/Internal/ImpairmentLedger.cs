using Inetkit.Impairment;
using Inetkit.Protocol;

namespace Inetkit.Hosting.Internal;

/// <summary>What every impairment engine of the server has done, per service, for <see cref="InetServerStatistics.Impairment"/>.</summary>
internal sealed class ImpairmentLedger
{
    private readonly Lock _lock = new();
    private readonly List<(ServiceKind Service, Func<ImpairmentCounters> Counters)> _engines = [];
    private readonly Dictionary<ServiceKind, ImpairmentCounters> _ended = [];

    /// <summary>Adds what an engine that is gone did (a TCP connection's toxics), so that nothing per connection is kept.</summary>
    public void Add(ServiceKind service, ImpairmentCounters counters)
    {
        lock (_lock)
        {
            _ended[service] = ImpairmentCounters.Sum(_ended.GetValueOrDefault(service), counters);
        }
    }

    public void Register(ServiceKind service, Func<ImpairmentCounters> counters)
    {
        lock (_lock)
        {
            _engines.Add((service, counters));
        }
    }

    public IReadOnlyDictionary<ServiceKind, ImpairmentCounters> Snapshot()
    {
        lock (_lock)
        {
            var totals = new Dictionary<ServiceKind, ImpairmentCounters>(_ended);
            foreach ((ServiceKind service, Func<ImpairmentCounters> counters) in _engines)
            {
                totals[service] = ImpairmentCounters.Sum(totals.GetValueOrDefault(service), counters());
            }
            return totals;
        }
    }
}
