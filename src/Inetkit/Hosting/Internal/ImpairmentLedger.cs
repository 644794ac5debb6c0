using Inetkit.Impairment;
using Inetkit.Protocol;

namespace Inetkit.Hosting.Internal;

/// <summary>What every impairment engine of the server has done, per service, for <see cref="InetServerStatistics.Impairment"/>.</summary>
internal sealed class ImpairmentLedger
{
    private readonly Lock _lock = new();
    private readonly List<(ServiceKind Service, Func<ImpairmentCounters> Counters)> _engines = [];

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
            return _engines.GroupBy(e => e.Service).ToDictionary(g => g.Key, g => g.Select(e => e.Counters()).Aggregate(default(ImpairmentCounters), ImpairmentCounters.Sum));
        }
    }
}
