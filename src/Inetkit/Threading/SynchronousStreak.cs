namespace Inetkit.Threading;

/// <summary>
/// Counts the socket calls of one loop that completed at once, and says when the loop must give its thread back.
/// Socket completions run inline on the epoll thread (SocketEngineSettings), so a loop whose every call completes at
/// once (an accept loop with a full backlog, a connection with a full pipe, a scan lane whose probes are refused
/// on the spot) would otherwise keep that thread forever, and the events of every other socket would wait: issue #11
/// saw 1,374 accepts in a row while the clients' FINs queued unread.
/// </summary>
internal struct SynchronousStreak(int limit)
{
    private int _count;

    /// <summary>Call after each socket call; true when <paramref name="completedAtOnce"/> made the streak reach the limit (it starts again).</summary>
    public bool ShouldYield(bool completedAtOnce)
    {
        if (!completedAtOnce)
        {
            _count = 0;
            return false;
        }
        if (++_count < limit)
        {
            return false;
        }
        _count = 0;
        return true;
    }
}
