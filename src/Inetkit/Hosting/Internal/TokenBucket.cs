namespace Inetkit.Hosting.Internal;

/// <summary>
/// A token bucket: <c>rate</c> tokens a second, holding at most <c>burst</c>. Not thread-safe; callers lock.
/// </summary>
internal sealed class TokenBucket
{
    private readonly double _rate;
    private readonly double _burst;
    private double _tokens;
    private long _updated;

    public TokenBucket(double rate, double burst, long now)
    {
        _rate = rate;
        _burst = burst;
        _tokens = burst;
        _updated = now;
    }

    /// <summary>Takes one token if there is one.</summary>
    public bool TryTake(long now, long frequency)
    {
        if (now > _updated)
        {
            _tokens = Math.Min(_burst, _tokens + ((now - _updated) * _rate / frequency));
            _updated = now;
        }
        if (_tokens >= 1)
        {
            _tokens -= 1;
            return true;
        }
        return false;
    }

    /// <summary>A full bucket has forgotten its past, so it can be dropped and recreated without changing behaviour.</summary>
    public bool IsFullAt(long now, long frequency) => _tokens + ((now - _updated) * _rate / frequency) >= _burst;

    /// <summary>The burst allowed for a rate: two seconds' worth, at least one datagram.</summary>
    public static double BurstFor(double rate) => Math.Max(1, rate * 2);
}
