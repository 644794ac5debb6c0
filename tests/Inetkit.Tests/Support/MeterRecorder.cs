using System.Diagnostics.Metrics;
using Inetkit.Metrics;

namespace Inetkit.Tests.Support;

/// <summary>
/// A <see cref="MeterListener"/> on the Inetkit meter that keeps what a test's own services (or proxies) measured: the
/// sum of each counter per tag set, the last value of each observable one. Tests in parallel share the instruments, so
/// only measurements whose <c>service</c> or <c>proxy</c> tag is one of the names given are kept: give services
/// names no other test uses.
/// </summary>
internal sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly HashSet<string> _names;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Instrument, string Tags), long> _values = [];
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

    /// <summary>
    /// The instrument's value summed over every tag set that has all of <paramref name="tags"/> (observable ones as last
    /// read: call <see cref="Observe"/> first).
    /// </summary>
    public long Value(string instrument, params (string Key, string Value)[] tags)
    {
        string[] wanted = [.. tags.Select(t => $"{t.Key}={t.Value}")];
        lock (_lock)
        {
            return _values.Where(v => v.Key.Instrument == instrument && wanted.All(w => v.Key.Tags.Split(',').Contains(w))).Sum(v => v.Value);
        }
    }

    /// <summary>Reads every observable instrument now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

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
            Observe();
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
            _values[key] = instrument.IsObservable ? measurement : _values.GetValueOrDefault(key) + measurement;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public void Dispose() => _listener.Dispose();
}
