using Inetkit.Protocol;

namespace Inetkit.Clients;

/// <summary>
/// Runs an echo measurement on an open socket. Over UDP a receive loop runs beside the sender, so that probes
/// overlap when the interval is shorter than the round trip, and every reply is classified by its sequence
/// number. Over TCP probes go one after another on the stream.
/// </summary>
internal sealed class EchoMeter(ClientSocket socket, EchoMeasurement measurement, ClientOptions options, Action<EchoProbeResult>? onProbe)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, long> _outstanding = [];
    private readonly HashSet<uint> _answered = [];
    private readonly HashSet<uint> _lost = [];
    private readonly List<double> _roundTrips = [];
    private readonly TimeProvider _clock = options.TimeProvider;
    private readonly long _timeoutTicks = (long)(options.Timeout.TotalSeconds * options.TimeProvider.TimestampFrequency);
    private TaskCompletionSource _progress = NewSignal();
    private long _sent, _received, _lostCount, _duplicates, _reordered, _corrupted, _late;
    private long _highest = -1;
    private ClientException? _failure;

    public async Task<EchoStatistics> RunUdpAsync(CancellationToken cancellationToken)
    {
        Validate(socket.Remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? EchoClient.MaxUdpPayloadIPv6 : EchoClient.MaxUdpPayloadIPv4);
        using var receiving = new CancellationTokenSource();
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task receiver = Task.Run(() => ReceiveLoopAsync(sending, receiving.Token), CancellationToken.None);
        try
        {
            await SendProbesAsync(sending.Token);
            await WaitForOutstandingAsync(sending.Token);
        }
        catch (OperationCanceledException) when (sending.IsCancellationRequested)
        {
            // Ctrl+C, or the receive loop stopped us because the target refused: either way, report what we have.
        }
        finally
        {
            await receiving.CancelAsync();
            await receiver;
        }
        if (_failure is not null)
        {
            throw _failure;
        }
        ExpireAll();
        return Snapshot();
    }

    public async Task<EchoStatistics> RunTcpAsync(CancellationToken cancellationToken)
    {
        Validate(int.MaxValue);
        byte[] probe = new byte[measurement.Size];
        byte[] reply = new byte[measurement.Size];
        long start = _clock.GetTimestamp();
        try
        {
            for (uint sequence = 0; measurement.Count is null || sequence < measurement.Count; sequence++)
            {
                long sentAt = _clock.GetTimestamp();
                EchoProbe.Write(probe, sequence, sentAt);
                await socket.SendAsync(probe, cancellationToken);
                _sent++;
                if (!await ReadReplyAsync(reply, cancellationToken))
                {
                    _lostCount++;
                    Report(new EchoProbeResult(sequence, 0, ProbeOutcome.Lost, null));
                    // The stream is out of step once a reply is missing: nothing after it can be matched.
                    break;
                }
                double ms = _clock.GetElapsedTime(sentAt).TotalMilliseconds;
                bool intact = EchoProbe.TryRead(reply, probe.Length, out uint echoed, out long stamp, out bool body) && body && echoed == sequence && stamp == sentAt;
                if (intact)
                {
                    _received++;
                    _roundTrips.Add(ms);
                }
                else
                {
                    _corrupted++;
                }
                Report(new EchoProbeResult(sequence, reply.Length, intact ? ProbeOutcome.Reply : ProbeOutcome.Corrupted, ms));
                if (!measurement.Flood)
                {
                    TimeSpan wait = (measurement.Interval * (sequence + 1)) - _clock.GetElapsedTime(start);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _clock, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the summary of what was done.
        }
        return Snapshot();
    }

    private void Validate(int maxSize) => Validate(measurement, maxSize, socket.Remote.AddressFamily);

    internal static void Validate(EchoMeasurement measurement, int maxSize, System.Net.Sockets.AddressFamily family)
    {
        if (measurement.Size < EchoMeasurement.MinSize)
        {
            throw new ArgumentException($"--size {measurement.Size} is too small: a probe carries a 16-byte header (magic, sequence number, send time)", nameof(measurement));
        }
        if (measurement.Size > maxSize)
        {
            string over = family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
            throw new ArgumentException($"--size {measurement.Size:N0} is more than a UDP datagram can carry over {over} ({maxSize:N0} bytes)", nameof(measurement));
        }
    }

    private async Task<bool> ReadReplyAsync(byte[] reply, CancellationToken cancellationToken)
    {
        int done = 0;
        try
        {
            while (done < reply.Length)
            {
                int read = await socket.ReceiveAsync(reply.AsMemory(done), cancellationToken);
                if (read == 0)
                {
                    throw new ClientException(ClientFailure.WrongData, $"{socket.Remote} (echo/tcp) closed the connection in the middle of a reply");
                }
                done += read;
            }
            return true;
        }
        catch (ClientException e) when (e.Failure == ClientFailure.Timeout)
        {
            return false;
        }
    }

    private async Task SendProbesAsync(CancellationToken cancellationToken)
    {
        byte[] probe = new byte[measurement.Size];
        long start = _clock.GetTimestamp();
        for (uint sequence = 0; measurement.Count is null || sequence < measurement.Count; sequence++)
        {
            long sentAt = _clock.GetTimestamp();
            EchoProbe.Write(probe, sequence, sentAt);
            lock (_lock)
            {
                _outstanding[sequence] = sentAt;
                _sent++;
            }
            await socket.SendAsync(probe, cancellationToken);
            if (measurement.Flood)
            {
                while (IsOutstanding(sequence))
                {
                    await WaitForProgressAsync(sentAt + _timeoutTicks, cancellationToken);
                    ExpireOld();
                }
            }
            else
            {
                long next = start + (long)((sequence + 1) * measurement.Interval.TotalSeconds * _clock.TimestampFrequency);
                bool last = measurement.Count is { } count && sequence + 1 >= count;
                while (!last && _clock.GetTimestamp() < next)
                {
                    await WaitForProgressAsync(Math.Min(next, EarliestDeadline()), cancellationToken);
                    ExpireOld();
                }
            }
        }
    }

    private async Task WaitForOutstandingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ExpireOld();
            long deadline = EarliestDeadline();
            if (deadline == long.MaxValue)
            {
                return;
            }
            await WaitForProgressAsync(deadline, cancellationToken);
        }
    }

    private async Task ReceiveLoopAsync(CancellationTokenSource sending, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[65535];
        while (true)
        {
            int? length;
            try
            {
                length = await socket.ReceiveUntilCancelledAsync(buffer, cancellationToken);
            }
            catch (ClientException e)
            {
                _failure = e;
                await sending.CancelAsync();
                return;
            }
            if (length is null)
            {
                return;
            }
            Classify(buffer.AsSpan(0, length.Value));
        }
    }

    private void Classify(ReadOnlySpan<byte> reply)
    {
        long now = _clock.GetTimestamp();
        EchoProbeResult result;
        lock (_lock)
        {
            if (!EchoProbe.TryRead(reply, measurement.Size, out uint sequence, out long stamp, out bool intact))
            {
                _corrupted++;
                result = new EchoProbeResult(-1, reply.Length, ProbeOutcome.Corrupted, null);
            }
            else if (_outstanding.Remove(sequence, out long sentAt))
            {
                _answered.Add(sequence);
                double ms = (now - sentAt) * 1000.0 / _clock.TimestampFrequency;
                if (!intact || stamp != sentAt)
                {
                    _corrupted++;
                    result = new EchoProbeResult(sequence, reply.Length, ProbeOutcome.Corrupted, ms);
                }
                else
                {
                    _received++;
                    _roundTrips.Add(ms);
                    bool reordered = sequence < _highest;
                    _highest = Math.Max(_highest, sequence);
                    if (reordered)
                    {
                        _reordered++;
                    }
                    result = new EchoProbeResult(sequence, reply.Length, reordered ? ProbeOutcome.Reordered : ProbeOutcome.Reply, ms);
                }
            }
            else if (_answered.Contains(sequence))
            {
                _duplicates++;
                result = new EchoProbeResult(sequence, reply.Length, ProbeOutcome.Duplicate, null);
            }
            else if (_lost.Contains(sequence))
            {
                _late++;
                result = new EchoProbeResult(sequence, reply.Length, ProbeOutcome.Late, (now - stamp) * 1000.0 / _clock.TimestampFrequency);
            }
            else
            {
                // A well-formed probe we never sent: damaged in a way that kept the magic, or someone else's.
                _corrupted++;
                result = new EchoProbeResult(sequence, reply.Length, ProbeOutcome.Corrupted, null);
            }
        }
        Report(result);
        Interlocked.Exchange(ref _progress, NewSignal()).TrySetResult();
    }

    private bool IsOutstanding(uint sequence)
    {
        lock (_lock)
        {
            return _outstanding.ContainsKey(sequence);
        }
    }

    private long EarliestDeadline()
    {
        lock (_lock)
        {
            return _outstanding.Count == 0 ? long.MaxValue : _outstanding.Values.Min() + _timeoutTicks;
        }
    }

    /// <summary>Waits until a reply arrives or the clock reaches <paramref name="deadline"/>.</summary>
    private async Task WaitForProgressAsync(long deadline, CancellationToken cancellationToken)
    {
        Task progress = Volatile.Read(ref _progress).Task;
        long now = _clock.GetTimestamp();
        if (deadline <= now)
        {
            return;
        }
        TimeSpan wait = TimeSpan.FromSeconds((deadline - now) / (double)_clock.TimestampFrequency);
        try
        {
            await progress.WaitAsync(wait, _clock, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The deadline came first; the caller expires what is due.
        }
    }

    private void ExpireOld() => Expire(_clock.GetTimestamp() - _timeoutTicks);

    private void ExpireAll() => Expire(long.MaxValue);

    private void Expire(long sentBefore)
    {
        List<uint>? expired = null;
        lock (_lock)
        {
            foreach (var (sequence, sentAt) in _outstanding)
            {
                if (sentAt <= sentBefore)
                {
                    (expired ??= []).Add(sequence);
                }
            }
            foreach (uint sequence in expired ?? [])
            {
                _outstanding.Remove(sequence);
                _lost.Add(sequence);
                _lostCount++;
            }
        }
        foreach (uint sequence in expired ?? [])
        {
            Report(new EchoProbeResult(sequence, 0, ProbeOutcome.Lost, null));
        }
    }

    private void Report(EchoProbeResult result) => onProbe?.Invoke(result);

    private EchoStatistics Snapshot()
    {
        lock (_lock)
        {
            return new EchoStatistics(_sent, _received, _lostCount, _duplicates, _reordered, _corrupted, _late, RoundTripSummary.Of(_roundTrips), socket.Remote);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
