using Inetkit.Impairment.Internal;
using static Inetkit.Impairment.Internal.ImpairmentUnits;

namespace Inetkit.Impairment;

/// <summary>
/// Impairs the datagrams going one way, netem-like, and sends what survives through <c>send</c>, now or later.
/// <para>
/// Deterministic: each submitted datagram takes exactly six draws from <c>new Random(seed)</c>, in this order, whether
/// or not its part is on and whether or not the datagram was lost: loss, duplicate, corrupt, corrupt-bit, reorder,
/// jitter. So the same seed and the same datagrams give the same decisions, and turning one part on or off never
/// changes what another decides (Gilbert-Elliott's state apart, which follows the loss draws only).
/// </para>
/// <para>
/// Per datagram, in order: lost (nothing else happens); corrupted (one bit of a copy flipped, bit
/// <c>floor(u·8·length)</c>, byte <c>i/8</c>, mask <c>1 &lt;&lt; i%8</c>; an empty datagram has none); duplicated
/// (a second, uncorrupted copy, as netem's clone, right behind the first); each copy then waits for the
/// <c>rate</c> (drop-tail beyond <c>limit</c> waiting), is delayed by <c>delay</c> plus <c>(2u-1)·jitter</c> (never
/// below zero, and not kept in order: a jitter larger than the spacing reorders, as netem's), and, when the reorder
/// draw says so, is held when it is due until <c>gap</c> datagrams have been sent after it (it goes right behind the
/// last of them) or for <c>reorder-wait</c> when they do not come: late, never lost. Datagrams due at the same time
/// go in the order they were submitted.
/// </para>
/// <para>
/// Never blocks for a delay: what is due now is sent before <see cref="SubmitAsync"/> completes, what is due later by
/// one timer of the <see cref="TimeProvider"/>. Sends never overlap and keep the order decided. Thread-safe.
/// <see cref="DisposeAsync"/> drops what is still delayed or held (counted as abandoned): it is called when the socket
/// is closing, where a late send could only fail.
/// </para>
/// </summary>
/// <typeparam name="TTarget">Where a datagram goes (a server's reply goes to its client), handed back to <c>send</c>; held as given, so pass an immutable one.</typeparam>
public sealed class DatagramImpairer<TTarget> : IAsyncDisposable
{
    private readonly DatagramImpairment _profile;
    private readonly TimeProvider _time;
    private readonly Func<ReadOnlyMemory<byte>, TTarget, ValueTask> _send;
    private readonly Action<string>? _trace;
    private readonly Action<ReadOnlyMemory<byte>, TTarget, ImpairmentEffects, string>? _decided;
    private readonly Random _random;
    private readonly LossModel _loss;
    private readonly LinkSchedule? _link;
    private readonly ITimer _timer;
    private readonly long _origin;
    private readonly Lock _lock = new();
    private readonly PriorityQueue<Copy, (TimeSpan Due, long Order)> _scheduled = new();
    private readonly List<Copy> _held = [];
    private readonly LinkedList<Copy> _outbox = new();
    private long _order;
    private bool _sending;
    private bool _disposed;
    private ImpairmentCounters _counters;

    /// <summary>Creates the impairer; nothing is sent until something is submitted.</summary>
    /// <param name="profile">What to do to the datagrams.</param>
    /// <param name="seed">The seed of every random choice.</param>
    /// <param name="time">The clock and the timers (a fake one in tests).</param>
    /// <param name="send">Sends one datagram; it should handle its own errors (what it throws is counted and narrated, not rethrown).</param>
    /// <param name="trace">Narrates what is done to each datagram impaired (<c>sendto(11 bytes, 127.0.0.1:7) -> lost (impairment: loss 5%)</c>).</param>
    /// <param name="decided">
    /// If set, told instead of <paramref name="trace"/> what was decided for each datagram impaired: its bytes, target,
    /// effects and the narration (<c>lost (impairment: loss 5%)</c>), for a caller that records structured events.
    /// </param>
    public DatagramImpairer(DatagramImpairment profile, int seed, TimeProvider time, Func<ReadOnlyMemory<byte>, TTarget, ValueTask> send, Action<string>? trace = null,
        Action<ReadOnlyMemory<byte>, TTarget, ImpairmentEffects, string>? decided = null)
    {
        _decided = decided;
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(send);
        _profile = profile;
        _time = time;
        _send = send;
        _trace = trace;
        _random = new Random(seed);
        _loss = new LossModel(profile.Loss, profile.LossBurst);
        _link = profile.RateBitsPerSecond is { } rate ? new LinkSchedule(rate, profile.Limit) : null;
        _origin = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((DatagramImpairer<TTarget>)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>What has been done so far.</summary>
    public ImpairmentCounters Counters
    {
        get
        {
            lock (_lock)
            {
                return _counters;
            }
        }
    }

    /// <summary>
    /// Decides the datagram's fate and sends it if it is due now, or schedules it; the bytes are copied when kept.
    /// Completes once what is due now has been sent (or handed to a send already under way, which sends it next),
    /// never later for a delay.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The impairer was disposed.</exception>
    public ValueTask SubmitAsync(ReadOnlyMemory<byte> datagram, TTarget target)
    {
        string? narration;
        ImpairmentEffects effects;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            (narration, effects) = Decide(datagram, target);
            Reprogram();
        }
        if (narration is not null && _decided is not null)
        {
            _decided(datagram, target, effects, narration);
        }
        else if (narration is not null)
        {
            _trace?.Invoke($"sendto({datagram.Length} bytes, {Describe(target)}) -> {narration}");
        }
        return new ValueTask(PumpAsync());
    }

    /// <summary>Stops the timer and drops what is still delayed or held (counted in <see cref="ImpairmentCounters.Abandoned"/>).</summary>
    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                long abandoned = _scheduled.UnorderedItems.Count(item => !item.Element.WaitOver) + _held.Count + _outbox.Count;
                _counters = _counters with { Abandoned = _counters.Abandoned + abandoned };
                _scheduled.Clear();
                _held.Clear();
                _outbox.Clear();
            }
        }
        _timer.Dispose();
        return ValueTask.CompletedTask;
    }

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    /// <summary>Under the lock: draws, decides and places the copies; returns the narration, or null when nothing was done to it.</summary>
    private (string? Narration, ImpairmentEffects Effects) Decide(ReadOnlyMemory<byte> datagram, TTarget target)
    {
        ImpairmentEffects done = ImpairmentEffects.None;
        double uLoss = _random.NextDouble(), uDuplicate = _random.NextDouble(), uCorrupt = _random.NextDouble();
        double uBit = _random.NextDouble(), uReorder = _random.NextDouble(), uJitter = _random.NextDouble();
        _counters = _counters with { Submitted = _counters.Submitted + 1 };
        if (_loss.Next(uLoss))
        {
            _counters = _counters with { Lost = _counters.Lost + 1 };
            return ($"lost (impairment: {ImpairmentParts.Loss(_profile)})", ImpairmentEffects.Lost);
        }
        var effects = new List<string>();
        byte[] first = datagram.ToArray();
        if (uCorrupt < _profile.Corrupt && first.Length > 0)
        {
            int bit = (int)(uBit * first.Length * 8);
            first[bit / 8] ^= (byte)(1 << (bit % 8));
            _counters = _counters with { Corrupted = _counters.Corrupted + 1 };
            done |= ImpairmentEffects.Corrupted;
            effects.Add($"corrupted, bit {bit} flipped (impairment: {ImpairmentParts.Corrupt(_profile)})");
        }
        bool duplicate = uDuplicate < _profile.Duplicate;
        if (duplicate)
        {
            _counters = _counters with { Duplicated = _counters.Duplicated + 1 };
            done |= ImpairmentEffects.Duplicated;
            effects.Add($"duplicated (impairment: {ImpairmentParts.Duplicate(_profile)})");
        }
        // With no wait there is no holding: a reorder-wait of 0 turns reordering off.
        bool hold = uReorder < _profile.Reorder && _profile.ReorderWait > TimeSpan.Zero;
        TimeSpan now = Now;
        TimeSpan offset = _profile.Delay + TimeSpan.FromTicks((long)Math.Round((2 * uJitter - 1) * _profile.Jitter.Ticks));
        bool delayed = false;
        foreach (byte[] data in duplicate ? new[] { first, datagram.ToArray() } : [first])
        {
            TimeSpan departure = now;
            if (_link is not null)
            {
                if (_link.Reserve(now, data.Length) is not { } leaves)
                {
                    _counters = _counters with { RateDropped = _counters.RateDropped + 1 };
                    done |= ImpairmentEffects.RateDropped;
                    effects.Add($"dropped, {_profile.Limit} already waiting (impairment: {ImpairmentParts.Rate(_profile)})");
                    continue;
                }
                departure = leaves;
            }
            TimeSpan due = offset > TimeSpan.Zero ? departure + offset : departure;
            var copy = new Copy(data, target, hold);
            if (due > now)
            {
                delayed = true;
                _scheduled.Enqueue(copy, (due, _order++));
                if (effects.Count == 0 || !effects[^1].StartsWith("delayed", StringComparison.Ordinal))
                {
                    effects.Add($"delayed {FormatTime(due - now)} (impairment: {DelayCauses(departure > now, offset > TimeSpan.Zero)})");
                }
            }
            else
            {
                Arrive(copy, now);
            }
        }
        if (delayed)
        {
            _counters = _counters with { Delayed = _counters.Delayed + 1 };
            done |= ImpairmentEffects.Delayed;
        }
        if (hold)
        {
            _counters = _counters with { Reordered = _counters.Reordered + 1 };
            done |= ImpairmentEffects.Reordered;
            string later = _profile.ReorderGap == 1 ? "1 later datagram has" : $"{_profile.ReorderGap} later datagrams have";
            effects.Add($"held back until {later} gone, or {FormatTime(_profile.ReorderWait)} (impairment: {ImpairmentParts.Reorder(_profile)})");
        }
        return (effects.Count == 0 ? null : string.Join("; ", effects), done);
    }

    private string DelayCauses(bool rate, bool delay) =>
        rate && delay ? $"{ImpairmentParts.Rate(_profile)}, {ImpairmentParts.Delay(_profile)}" : rate ? ImpairmentParts.Rate(_profile) : ImpairmentParts.Delay(_profile);

    /// <summary>Under the lock: a copy is due; it goes to the outbox, or, to be reordered, into the held list.</summary>
    private void Arrive(Copy copy, TimeSpan now)
    {
        if (copy.Hold)
        {
            copy.GapLeft = _profile.ReorderGap;
            _held.Add(copy);
            _scheduled.Enqueue(copy with { WaitOver = true }, (now + _profile.ReorderWait, _order++));
            return;
        }
        _outbox.AddLast(copy);
    }

    /// <summary>
    /// On the wall clock, timers fire a millisecond or so late (their resolution), which a 20 ms delay would carry as
    /// +1.3 ms (measured, bench/impair-accuracy.py): the timer is set this much early and the rest is spun out.
    /// A test's fake clock is exact, and gets no lead.
    /// </summary>
    private static readonly TimeSpan Lead = TimeSpan.FromMilliseconds(1.5);

    private bool Early => ReferenceEquals(_time, TimeProvider.System);

    private void OnTimer()
    {
        if (Early)
        {
            SpinUntilDue();
        }
        var released = new List<string>();
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            TimeSpan now = Now;
            while (_scheduled.TryPeek(out Copy? copy, out var key) && key.Due <= now)
            {
                _scheduled.Dequeue();
                if (!copy.WaitOver)
                {
                    Arrive(copy, now);
                }
                else if (_held.FindIndex(h => ReferenceEquals(h.Data, copy.Data)) is int index and >= 0)
                {
                    _held.RemoveAt(index);
                    _outbox.AddLast(copy with { WaitOver = false });
                    released.Add($"({copy.Data.Length} bytes to {Describe(copy.Target)} released after {FormatTime(_profile.ReorderWait)} with no later datagram to overtake it: impairment: {ImpairmentParts.Reorder(_profile)})");
                }
            }
            Reprogram();
        }
        foreach (string line in released)
        {
            _trace?.Invoke(line);
        }
        _ = PumpAsync();
    }

    /// <summary>Under the lock: the timer at the earliest thing scheduled, always in the future (nothing due now is scheduled).</summary>
    /// <summary>Waits out, spinning, the last moment (at most <see cref="Lead"/>) before the first scheduled copy is due.</summary>
    private void SpinUntilDue()
    {
        TimeSpan due;
        lock (_lock)
        {
            if (_disposed || !_scheduled.TryPeek(out _, out var key))
            {
                return;
            }
            due = key.Due;
        }
        var spin = new SpinWait();
        while (Now < due && due - Now <= Lead)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Reprogram()
    {
        if (_scheduled.TryPeek(out _, out var key))
        {
            TimeSpan wait = key.Due - Now;
            if (Early)
            {
                wait -= Lead;
            }
            _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.FromTicks(1), Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Sends the outbox in order, one at a time; whoever finds no one sending becomes the sender.</summary>
    private async Task PumpAsync()
    {
        while (true)
        {
            Copy copy;
            lock (_lock)
            {
                if (_sending || _outbox.First is not { } next || _disposed)
                {
                    return;
                }
                _sending = true;
                copy = next.Value;
                _outbox.RemoveFirst();
                _counters = _counters with { Sent = _counters.Sent + 1 };
                CountGaps();
            }
            try
            {
                await _send(copy.Data, copy.Target);
            }
#pragma warning disable CA1031 // The send is the caller's; a failure of one datagram must not stop the others.
            catch (Exception e)
#pragma warning restore CA1031
            {
                lock (_lock)
                {
                    _counters = _counters with { SendFailed = _counters.SendFailed + 1 };
                }
                _trace?.Invoke($"sendto({copy.Data.Length} bytes, {Describe(copy.Target)}) failed after impairment: {e.Message}");
            }
            finally
            {
                lock (_lock)
                {
                    _sending = false;
                }
            }
        }
    }

    /// <summary>Under the lock, as a copy is sent: each held copy has one fewer to wait for; those done go next, in the order they were held.</summary>
    private void CountGaps()
    {
        LinkedListNode<Copy>? after = null;
        for (int i = 0; i < _held.Count; i++)
        {
            Copy held = _held[i];
            if (--held.GapLeft > 0)
            {
                continue;
            }
            _held.RemoveAt(i--);
            after = after is null ? _outbox.AddFirst(held) : _outbox.AddAfter(after, held);
        }
    }

    private static string Describe(TTarget target) => target?.ToString() ?? "?";

    /// <summary>One copy of a datagram on its way; <see cref="WaitOver"/> marks the reorder-wait timeout of a held one.</summary>
    private sealed record Copy(byte[] Data, TTarget Target, bool Hold, bool WaitOver = false)
    {
        public int GapLeft { get; set; }
    }
}
