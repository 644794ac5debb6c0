using System.Diagnostics.Metrics;
using Inetkit.Metrics;

namespace Inetkit.Tests.Support;

/// <summary>
/// A <see cref="MeterListener"/> on the Inetkit meter that keeps what a test's own services (or proxies) measured: the
/// sum of each counter per tag set, and what each observable one said when last read (<see cref="Observe"/>). Tests in parallel share the instruments, so
/// only measurements whose <c>service</c> or <c>proxy</c> tag is one of the names given are kept: give services
/// names no other test uses.
/// </summary>
internal sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly HashSet<string> _names;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Instrument, string Tags), long> _values = [];
    private readonly HashSet<string> _observable = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MeterRecorder(params string[] names)
    {
        _names = [.. names];
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == InetkitMeter.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(Record);
        _listener.Start();
    }

    /// <summary>The instrument's value now, summed over every tag set that has all of <paramref name="tags"/>.</summary>
    public long Value(string instrument, params (string Key, string Value)[] tags)
    {
        Observe();
        return Seen(instrument, tags);
    }

    private long Seen(string instrument, (string Key, string Value)[] tags)
    {
        string[] wanted = [.. tags.Select(t => $"{t.Key}={t.Value}")];
        lock (_lock)
        {
            return _values.Where(v => v.Key.Instrument == instrument && wanted.All(w => v.Key.Tags.Split(',').Contains(w))).Sum(v => v.Value);
        }
    }

    /// <summary>Reads every observable instrument now: a series no longer reported (a stopped server's) is gone.</summary>
    public void Observe()
    {
        lock (_lock)
        {
            foreach ((string Instrument, string Tags) key in _values.Keys.Where(k => _observable.Contains(k.Instrument)).ToList())
            {
                _values.Remove(key);
            }
        }
        _listener.RecordObservableInstruments();
    }

    /// <summary>
    /// Waits, under the test's token, until the instrument's value is <paramref name="expected"/>: woken by each
    /// measurement for a counter, reading again for an observable one (whose counts live in the server until read).
    /// </summary>
    public async Task WaitForAsync(string instrument, long expected, CancellationToken cancellationToken, params (string Key, string Value)[] tags)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                changed = _changed.Task;
            }
            if (Value(instrument, tags) == expected)
            {
                return;
            }
            // An observable instrument's count changes with no measurement to wake us: read again soon.
            await Task.WhenAny(changed, Task.Delay(10, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private void Record(Instrument instrument, long measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        bool ours = false;
        var parts = new List<string>(tags.Length);
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            ours |= tag.Key is "service" or "proxy" && _names.Contains((string)tag.Value!);
            parts.Add($"{tag.Key}={tag.Value}");
        }
        if (!ours)
        {
            return;
        }
        parts.Sort(StringComparer.Ordinal);
        var key = (instrument.Name, string.Join(',', parts));
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (instrument.IsObservable)
            {
                _observable.Add(instrument.Name);
                _values[key] = measurement;
            }
            else
            {
                _values[key] = _values.GetValueOrDefault(key) + measurement;
            }
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public void Dispose() => _listener.Dispose();
}
