using Inetkit.Tracing;

namespace Inetkit.Demo;

/// <summary>
/// Collects both sides' trace events into one exchange, in the order they happened, each with the seed's statement
/// for it, and hands each on at once (a live view draws while the exchange runs). Thread-safe: the sides run on
/// their own threads.
/// </summary>
public sealed class DemoRecorder
{
    private readonly Lock _lock = new();
    private readonly List<DemoEvent> _events = [];
    private readonly Action<DemoEvent>? _onEvent;
    private readonly TimeProvider _clock;
    private readonly DateTimeOffset _start;
    private readonly List<(Func<DemoEvent, bool> Matches, TaskCompletionSource Seen)> _waiters = [];
    private readonly HashSet<int> _serverPorts = [];

    /// <param name="clock">The clock of the times shown (and of the demo's own waits).</param>
    /// <param name="onEvent">Told of each event as it is recorded, under the recorder's lock (so in order).</param>
    public DemoRecorder(TimeProvider clock, Action<DemoEvent>? onEvent = null)
    {
        _clock = clock;
        _onEvent = onEvent;
        _start = clock.GetUtcNow();
    }

    /// <summary>When the exchange started (the wall clock, for placing captured packets among the calls).</summary>
    public DateTimeOffset Start => _start;

    /// <summary>
    /// With <c>--wire</c>: the capture of the exchange's packets. Before each call is recorded, the capture is brought
    /// up to date (its barrier), so that every packet sent before the call is placed before it.
    /// </summary>
    public Wire.LoopbackCapture? Wire { get; init; }

    /// <summary>A port of the server side: its packets are captured, and those it sends drawn from the server's lane.</summary>
    public void Watch(int port)
    {
        lock (_lock)
        {
            _serverPorts.Add(port);
        }
        Wire?.Watch(port);
    }

    /// <summary>Records the packets captured so far (the exchange is over: the last FIN and ACK come after the last call).</summary>
    public async Task DrainWireAsync(CancellationToken cancellationToken)
    {
        if (Wire is not null)
        {
            await Wire.SyncAsync(cancellationToken);
            lock (_lock)
            {
                DrainPackets();
            }
        }
    }

    /// <summary>The clock events are stamped with.</summary>
    public TimeProvider Clock => _clock;

    /// <summary>Everything recorded so far.</summary>
    public IReadOnlyList<DemoEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>A trace sink for one side: its calls become events of that lane, with <paramref name="seed"/>'s statement for each.</summary>
    public Action<TraceEvent> For(DemoLane lane, Func<TraceEvent, string?>? seed = null) =>
        e => Add(lane, e, seed?.Invoke(e), null);

    /// <summary>Under the lock: every packet the capture has, as events of the lane of its sender.</summary>
    private void DrainPackets()
    {
        while (Wire is not null && Wire.Packets.TryRead(out Wire.WirePacket? packet))
        {
            bool fromServer = _serverPorts.Contains(packet.Source.Port) || packet.Protocol is Demo.Wire.WireProtocol.Icmp or Demo.Wire.WireProtocol.Icmpv6;
            Append(new DemoEvent
            {
                Sequence = _events.Count,
                At = packet.At - _start is { Ticks: >= 0 } at ? at : TimeSpan.Zero,
                Lane = fromServer ? DemoLane.Server : DemoLane.Client,
                Packet = packet,
            });
        }
    }

    private void Append(DemoEvent e)
    {
        _events.Add(e);
        _onEvent?.Invoke(e);
        foreach (var waiter in _waiters.Where(w => w.Matches(e)).ToList())
        {
            _waiters.Remove(waiter);
            waiter.Seen.TrySetResult();
        }
    }

    /// <summary>Until an event matches (one already recorded counts), or <paramref name="patience"/> has passed: then it returns anyway.</summary>
    public async Task WaitForAsync(Func<DemoEvent, bool> matches, TimeSpan patience, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_events.Any(matches))
            {
                return;
            }
            _waiters.Add((matches, seen));
        }
        try
        {
            await seen.Task.WaitAsync(patience, cancellationToken);
        }
        catch (TimeoutException)
        {
            // A server of the user's own may never close: the demo ends without it.
        }
        finally
        {
            lock (_lock)
            {
                _waiters.RemoveAll(w => w.Seen == seen);
            }
        }
    }

    /// <summary>What a side's program printed.</summary>
    public void Print(DemoLane lane, string text) => Add(lane, null, null, text);

    private void Add(DemoLane lane, TraceEvent? call, string? seed, string? printed)
    {
        if (Wire is not null && call is not null)
        {
            // On the calling socket's thread, before the call is placed: the capture's own thread does the work.
            Wire.SyncAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        lock (_lock)
        {
            DrainPackets();
            var e = new DemoEvent
            {
                Sequence = _events.Count,
                At = ((call?.At ?? _clock.GetUtcNow()) - _start) is { Ticks: >= 0 } at ? at : TimeSpan.Zero,
                Lane = lane,
                Call = call,
                Seed = seed,
                Printed = printed,
            };
            Append(e);
        }
    }
}
