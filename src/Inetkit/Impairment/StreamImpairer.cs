using System.IO;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Inetkit.Impairment;

/// <summary>
/// Applies one <see cref="StreamImpairment"/> to one direction of a TCP connection: toxiproxy's toxics, with
/// toxiproxy's meanings, in toxiproxy's spirit of a pipeline. The writer (a proxy's relay, or a service through
/// <see cref="ImpairedStream"/>) hands over chunks with <see cref="WriteAsync"/> and the source's FIN with
/// <see cref="CompleteAsync"/>; a pump delivers them to the <see cref="IStreamSink"/> on the toxics' schedule, and
/// ends the connection itself when a toxic says so (<see cref="Ended"/> tells the owner how).
/// </summary>
/// <remarks>
/// <para>Order of the toxics on each chunk: timeout (drops it), limit-data (cuts it), latency and jitter (holds
/// it), then bandwidth and slicer (write it in paced pieces). Toxiproxy chains toxics in the order they were added;
/// a spec has no order, so this one is fixed: the one where each toxic's effect stays visible.</para>
/// <para>Back-pressure: at most <see cref="QueueDepth"/> chunks wait in the pipeline (each a copy, because a relay
/// reuses its buffer); beyond that <see cref="WriteAsync"/> waits, so a slow bandwidth holds the writer (and the
/// writer's source, through TCP's window) instead of queueing megabytes. Toxiproxy's links are unbuffered channels
/// between a goroutine per toxic, so it holds a few chunks in flight too.</para>
/// <para>Time comes from the <see cref="TimeProvider"/> (timers and <c>Task.Delay</c>), and every random choice
/// from <c>new Random(seed)</c>: with a fake clock and a seed, a run is repeatable. Waits are whole milliseconds,
/// rounded up (Task.Delay's unit): a slicer-delay under 1 ms (toxiproxy counts it in microseconds) waits 1 ms, while
/// latency and bandwidth keep to absolute deadlines, so their rounding does not add up.</para>
/// </remarks>
public sealed class StreamImpairer : IAsyncDisposable
{
    /// <summary>How many chunks may wait between the writer and the peer.</summary>
    public const int QueueDepth = 16;

    /// <summary>
    /// The longest piece the bandwidth toxic sends at once, as time at its rate: toxiproxy's 100 ms, so that a slow
    /// rate shows as a trickle instead of one chunk after a long silence.
    /// </summary>
    private static readonly TimeSpan BandwidthSlot = TimeSpan.FromMilliseconds(100);

    private readonly StreamImpairment _settings;
    private readonly TimeProvider _time;
    private readonly IStreamSink _sink;
    private readonly Random _random;
    private readonly StreamSlicer? _slicer;
    private readonly Channel<Chunk> _queue = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(QueueDepth)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<StreamEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer? _resetTimer;
    private readonly ITimer? _timeoutTimer;
    private readonly Task _pump;
    private long _bandwidthFree;
    private long _bytesIn;
    private long _bytesOut;
    private long _chunksDelayed;
    private long _slices;
    private int _end;

    /// <summary>Starts impairing: the reset and timeout toxics' clocks start now.</summary>
    /// <param name="settings">The toxics for this direction.</param>
    /// <param name="seed">The seed of jitter and of the slicer's size variation.</param>
    /// <param name="time">The clock (<see cref="TimeProvider.System"/>, or a fake one in tests).</param>
    /// <param name="sink">The connection toward the peer; the impairer ends it, so the owner should not write to it.</param>
    public StreamImpairer(StreamImpairment settings, int seed, TimeProvider time, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(sink);
        _settings = settings;
        _time = time;
        _sink = sink;
        _random = new Random(seed);
        if (settings.SlicerSize is int size)
        {
            _slicer = new StreamSlicer(size, settings.SlicerVariation, _random);
        }
        _bandwidthFree = time.GetTimestamp();

        // Toxiproxy's reset_peer starts its clock at the first chunk; here it starts with the connection, so that a
        // reset=T also hits a client that waits for the server to speak first (daytime, qotd, time, chargen).
        if (settings.Reset is TimeSpan reset)
        {
            _resetTimer = time.CreateTimer(static state => ((StreamImpairer)state!).End(StreamEnd.Reset), this, reset, Timeout.InfiniteTimeSpan);
        }

        // Toxiproxy's timeout restarts with every chunk it drops (a time.After per loop); here it counts from the
        // connection, as the issue says: "pass no data, close after T". Zero holds the connection for ever, as there.
        if (settings.Timeout is TimeSpan timeout && timeout > TimeSpan.Zero)
        {
            _timeoutTimer = time.CreateTimer(static state => ((StreamImpairer)state!).End(StreamEnd.Timeout), this, timeout, Timeout.InfiniteTimeSpan);
        }
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Completes when the stream has ended, with how (a relay then tears down the other direction).</summary>
    public Task<StreamEnd> Ended => _ended.Task;

    /// <summary>What ended the stream, or <see cref="StreamEnd.Open"/>.</summary>
    public StreamEnd EndedBy => (StreamEnd)Volatile.Read(ref _end);

    /// <summary>What the impairer has done so far.</summary>
    public StreamCounters Counters => new(Interlocked.Read(ref _bytesIn), Interlocked.Read(ref _bytesOut), Interlocked.Read(ref _chunksDelayed), Interlocked.Read(ref _slices), EndedBy);

    /// <summary>The failure of a send to the peer, when that is what ended the stream (<see cref="StreamEnd.Failed"/>).</summary>
    public Exception? Failure { get; private set; }

    /// <summary>
    /// Hands a chunk over (copied, so the caller may reuse its buffer). Returns once the chunk is queued, waiting
    /// while the queue is full. False when the stream has ended: the caller should stop relaying.
    /// </summary>
    public async ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        if (EndedBy != StreamEnd.Open)
        {
            return false;
        }
        if (chunk.IsEmpty)
        {
            return true;
        }
        Interlocked.Add(ref _bytesIn, chunk.Length);
        return await EnqueueAsync(new Chunk(chunk.ToArray(), _time.GetTimestamp()), cancellationToken);
    }

    /// <summary>
    /// The source sent its FIN: passes it on after the data (and after the slow close), then returns how the
    /// stream ended; at once if it had ended already.
    /// </summary>
    public async Task<StreamEnd> CompleteAsync(CancellationToken cancellationToken)
    {
        await EnqueueAsync(new Chunk(null, _time.GetTimestamp()), cancellationToken);
        return await Ended.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The toxics changed: delivers what is queued on the old schedule, then stops without touching the connection
    /// (<see cref="StreamEnd.HandedOver"/>), so that the owner can go on with another impairer, or none, in order.
    /// Returns how the stream ended: <see cref="StreamEnd.HandedOver"/>, or what a toxic did meanwhile.
    /// </summary>
    public async Task<StreamEnd> HandOverAsync(CancellationToken cancellationToken)
    {
        await EnqueueAsync(new Chunk(null, _time.GetTimestamp(), HandOver: true), cancellationToken);
        return await Ended.WaitAsync(cancellationToken);
    }

    /// <summary>Stops the toxics' timers and the pump; a stream not ended yet is closed (<see cref="StreamEnd.Disposed"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        End(StreamEnd.Disposed);
        if (_resetTimer is not null)
        {
            await _resetTimer.DisposeAsync();
        }
        if (_timeoutTimer is not null)
        {
            await _timeoutTimer.DisposeAsync();
        }
        await _pump;
        _stop.Dispose();
    }

    private async ValueTask<bool> EnqueueAsync(Chunk chunk, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        try
        {
            await _queue.Writer.WriteAsync(chunk, linked.Token);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Ends the stream once, the first reason winning; the sink is told in the way the reason asks.</summary>
    private void End(StreamEnd reason)
    {
        if (Interlocked.CompareExchange(ref _end, (int)reason, (int)StreamEnd.Open) != (int)StreamEnd.Open)
        {
            return;
        }
        _queue.Writer.TryComplete();
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed already: the pump is gone.
        }
        switch (reason)
        {
            case StreamEnd.Reset:
                _sink.Reset();
                break;
            case StreamEnd.Normal:
                _sink.ShutdownSend();
                break;
            case StreamEnd.HandedOver:
                break;
            default:
                _sink.Close();
                break;
        }
        _ended.TrySetResult(reason);
    }

    private async Task PumpAsync()
    {
        CancellationToken stop = _stop.Token;
        try
        {
            await foreach (Chunk chunk in _queue.Reader.ReadAllAsync(stop))
            {
                if (chunk.HandOver)
                {
                    End(StreamEnd.HandedOver);
                    return;
                }
                if (chunk.Data is null)
                {
                    // Toxiproxy's slow_close: the FIN waits, the data before it does not.
                    if (_settings.SlowClose is TimeSpan slowClose && slowClose > TimeSpan.Zero)
                    {
                        await Task.Delay(slowClose, _time, stop);
                    }
                    End(StreamEnd.Normal);
                    return;
                }
                if (_settings.Timeout is not null)
                {
                    // Toxiproxy's timeout: the data is dropped on the ground.
                    continue;
                }
                if (!await DeliverAsync(chunk, stop))
                {
                    End(StreamEnd.LimitData);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ended by a toxic or by the owner while waiting or sending.
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            if (EndedBy == StreamEnd.Open)
            {
                Failure = e;
            }
            End(StreamEnd.Failed);
        }
    }

    /// <summary>One chunk through limit-data, latency, bandwidth and slicer. False when the data limit is reached.</summary>
    private async ValueTask<bool> DeliverAsync(Chunk chunk, CancellationToken stop)
    {
        ReadOnlyMemory<byte> data = chunk.Data;
        long? limit = _settings.LimitData;
        if (limit is long bytes)
        {
            long remaining = bytes - Interlocked.Read(ref _bytesOut);
            data = data[..(int)Math.Clamp(remaining, 0, data.Length)];
        }

        // Toxiproxy's latency: each chunk waits latency ± jitter; here counted from when it was handed over, so that
        // chunks waiting in the queue do not add their waits up (a stream's order is kept: none overtakes another).
        TimeSpan delay = Delay();
        if (delay > TimeSpan.Zero && await Timestamps.WaitUntilAsync(_time, Timestamps.Add(_time, chunk.Arrived, delay), stop))
        {
            Interlocked.Increment(ref _chunksDelayed);
        }

        if (_slicer is null)
        {
            await PacedSendAsync(data, stop);
        }
        else
        {
            int offset = 0;
            foreach (int size in _slicer.Sizes(data.Length))
            {
                await PacedSendAsync(data.Slice(offset, size), stop);
                offset += size;
                Interlocked.Increment(ref _slices);

                // Toxiproxy's slicer waits its delay after every piece, the last one too.
                if (_settings.SlicerDelay > TimeSpan.Zero)
                {
                    await Timestamps.WaitUntilAsync(_time, Timestamps.Add(_time, _time.GetTimestamp(), _settings.SlicerDelay), stop);
                }
            }
        }
        return limit is not long cap || Interlocked.Read(ref _bytesOut) < cap;
    }

    /// <summary>
    /// Sends at the bandwidth toxic's rate: like toxiproxy, a piece of n bytes goes n/rate after the previous one
    /// was due, and a chunk bigger than 100 ms of the rate goes in 100 ms pieces. The schedule is a running
    /// deadline, as toxiproxy's accumulated sleep is, so that a rate is kept on average however the timers round.
    /// </summary>
    private async ValueTask PacedSendAsync(ReadOnlyMemory<byte> data, CancellationToken stop)
    {
        if (_settings.BandwidthBytesPerSecond is not double rate || rate <= 0)
        {
            await SendAsync(data, stop);
            return;
        }
        int slot = (int)Math.Clamp(rate * BandwidthSlot.TotalSeconds, 1, int.MaxValue);
        while (!data.IsEmpty)
        {
            ReadOnlyMemory<byte> piece = data[..Math.Min(slot, data.Length)];
            data = data[piece.Length..];
            long start = Math.Max(_bandwidthFree, _time.GetTimestamp());
            _bandwidthFree = Timestamps.Add(_time, start, TimeSpan.FromSeconds(piece.Length / rate));
            await Timestamps.WaitUntilAsync(_time, _bandwidthFree, stop);
            await SendAsync(piece, stop);
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken stop)
    {
        if (!data.IsEmpty)
        {
            await _sink.SendAsync(data, stop);
            Interlocked.Add(ref _bytesOut, data.Length);
        }
    }

    /// <summary>
    /// Latency ± jitter, uniform in whole milliseconds as toxiproxy's (<c>rand.Int63n(2j) - j</c>; here both ends
    /// included), never negative.
    /// </summary>
    private TimeSpan Delay()
    {
        TimeSpan delay = _settings.Latency;
        long jitter = (long)_settings.Jitter.TotalMilliseconds;
        if (jitter > 0)
        {
            delay += TimeSpan.FromMilliseconds(_random.NextInt64(-jitter, jitter + 1));
        }
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }

    /// <summary>A chunk and when it was handed over; no data: the source's FIN, or the hand-over to other toxics.</summary>
    private readonly record struct Chunk(byte[]? Data, long Arrived, bool HandOver = false);
}
