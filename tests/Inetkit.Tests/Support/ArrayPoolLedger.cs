using System.Diagnostics.Tracing;

namespace Inetkit.Tests.Support;

/// <summary>
/// Counts buffers of one size rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/> and not yet returned, from
/// the runtime's own ArrayPool event source (every Rent and Return is an event while a listener is on). Process-wide:
/// use it only in tests that run alone.
/// </summary>
internal sealed class ArrayPoolLedger : EventListener
{
    private const int BufferRented = 1;
    private const int BufferReturned = 3;

    private readonly Dictionary<int, int> _out = [];
    private readonly Lock _lock = new();
    private int _size = -1;

    /// <summary>Starts counting buffers of exactly <paramref name="size"/> bytes (the pool's bucket size).</summary>
    public ArrayPoolLedger(int size)
    {
        lock (_lock)
        {
            _size = size;
        }
    }

    /// <summary>Buffers of the size counted that were rented since the ledger started and are still out.</summary>
    public int Outstanding
    {
        get
        {
            lock (_lock)
            {
                return _out.Values.Sum();
            }
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "System.Buffers.ArrayPoolEventSource")
        {
            EnableEvents(eventSource, EventLevel.Verbose);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventId is not (BufferRented or BufferReturned) || eventData.Payload is not { Count: >= 2 } payload)
        {
            return;
        }
        int id = (int)payload[0]!;
        int size = (int)payload[1]!;
        lock (_lock)
        {
            // The base constructor enables the source before ours has run: events until then are not ours to count.
            if (size != _size)
            {
                return;
            }
            if (eventData.EventId == BufferRented)
            {
                _out[id] = _out.GetValueOrDefault(id) + 1;
            }
            else if (_out.TryGetValue(id, out int n))
            {
                // A buffer rented before the ledger started is not counted out, so its return is not counted back.
                if (n > 1)
                {
                    _out[id] = n - 1;
                }
                else
                {
                    _out.Remove(id);
                }
            }
        }
    }
}
