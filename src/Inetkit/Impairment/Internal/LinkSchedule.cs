namespace Inetkit.Impairment.Internal;

/// <summary>
/// The <c>rate=</c> of a datagram link: a token bucket in bits that may go into debt by one datagram, so an idle link
/// sends at once and datagrams back to back leave spaced by the previous one's size over the rate, with at most
/// <c>limit</c> waiting and drop-tail beyond. Not <see cref="Hosting.Internal.TokenBucket"/> (tokens of one, no due
/// time) nor the scanner's pacer (a fixed interval): here each datagram costs its own size. Not thread-safe; the
/// impairer locks.
/// </summary>
internal sealed class LinkSchedule(double bitsPerSecond, int limit)
{
    private readonly Queue<TimeSpan> _waiting = new();
    private TimeSpan _free = TimeSpan.MinValue;

    /// <summary>
    /// When a datagram of <paramref name="bytes"/> submitted at <paramref name="now"/> leaves the link, or null when
    /// <c>limit</c> datagrams are already waiting (drop-tail).
    /// </summary>
    public TimeSpan? Reserve(TimeSpan now, int bytes)
    {
        while (_waiting.TryPeek(out TimeSpan leaves) && leaves <= now)
        {
            _waiting.Dequeue();
        }
        TimeSpan departure = _free > now ? _free : now;
        if (departure > now)
        {
            if (_waiting.Count >= limit)
            {
                return null;
            }
            _waiting.Enqueue(departure);
        }
        _free = departure + TimeSpan.FromTicks((long)Math.Round(bytes * 8.0 * TimeSpan.TicksPerSecond / bitsPerSecond));
        return departure;
    }
}
