using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Impairment;

/// <summary>
/// A fake clock that also says when a timer is created and for how long: the test waits until the impairer is
/// waiting on the clock before it advances it, so that no step depends on how fast the machine is (an advance
/// before the wait begins would otherwise be lost on a relative timer).
/// </summary>
internal sealed class StreamTestClock : TimeProvider
{
    private readonly Channel<TimeSpan> _created = Channel.CreateUnbounded<TimeSpan>();

    public FakeTimeProvider Fake { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = Fake.CreateTimer(callback, state, dueTime, period);
        _created.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Waits for the next timer to be created and returns its due time.</summary>
    public async Task<TimeSpan> NextTimerAsync(CancellationToken cancellationToken) => await _created.Reader.ReadAsync(cancellationToken);

    public void Advance(TimeSpan by) => Fake.Advance(by);
}
