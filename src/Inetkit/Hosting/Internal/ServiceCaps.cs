using System.Net;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// A service's own connection caps (<c>max-connections</c> and <c>max-connections-per-source</c> in its table of a
/// config file), counted beside the server's caps over all services. Guarded by the tracker's lock.
/// </summary>
internal sealed class ServiceCaps(int? max, int? maxPerSource)
{
    private readonly Dictionary<IPAddress, int> _perSource = [];

    public int? Max { get; set; } = max;

    public int? MaxPerSource { get; set; } = maxPerSource;

    public int Count { get; private set; }

    /// <summary>Null if there is room; else which cap is full.</summary>
    public string? Refusal(IPAddress source, string service)
    {
        if (Count >= Max)
        {
            return $"{service}'s connection limit reached ({Max:N0} open)";
        }
        if (MaxPerSource is { } cap && _perSource.GetValueOrDefault(source) >= cap)
        {
            return $"{service}'s per-source limit reached ({cap:N0} open from {source})";
        }
        return null;
    }

    public void Add(IPAddress source)
    {
        Count++;
        if (MaxPerSource is not null)
        {
            _perSource[source] = _perSource.GetValueOrDefault(source) + 1;
        }
    }

    public void Remove(IPAddress source)
    {
        Count--;
        if (_perSource.TryGetValue(source, out int n))
        {
            if (n > 1)
            {
                _perSource[source] = n - 1;
            }
            else
            {
                _perSource.Remove(source);
            }
        }
    }
}
