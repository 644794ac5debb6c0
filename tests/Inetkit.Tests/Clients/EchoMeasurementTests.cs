using System.Buffers.Binary;
using System.Collections.Concurrent;
using Inetkit.Clients;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Clients;

/// <summary>
/// The UDP statistics against a peer that drops, duplicates, reorders, corrupts and delays on purpose. The
/// client runs on a fake clock that the test moves one interval at a time, only after the client has seen what
/// the step should show, so each outcome is decided by the script and never by the machine's speed.
/// </summary>
public sealed class EchoMeasurementTests
{
    [Fact]
    public async Task Udp_LossDuplicatesReorderingCorruptionAndLateReplies_AreEachCountedOnce()
    {
        using var timeout = TestTimeout.Create();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var received = new ConcurrentDictionary<uint, TaskCompletionSource>();
        var held = new ConcurrentDictionary<uint, byte[]>();
        TaskCompletionSource Arrival(uint seq) => received.GetOrAdd(seq, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await using var peer = RawUdpPeer.Start(async (datagram, _, reply) =>
        {
            uint seq = BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(4));
            switch (seq)
            {
                case 2:
                    break; // dropped
                case 3:
                    await reply(datagram);
                    await reply(datagram); // duplicated
                    break;
                case 4 or 7:
                    held[seq] = datagram; // 4 comes back after 5 (reordered); 7 after it has been counted lost (late)
                    break;
                case 5:
                    await reply(datagram);
                    await reply(held[4]);
                    break;
                case 6:
                    datagram[^1] ^= 0xFF; // corrupted
                    await reply(datagram);
                    break;
                case 9:
                    // 7 first: 9 is the last probe, and its reply ends the run, so a late reply behind it might go unread.
                    await reply(held[7]);
                    await reply(datagram);
                    break;
                default:
                    await reply(datagram);
                    break;
            }
            Arrival(seq).TrySetResult();
        });
        var events = new EventLog();
        // A timeout of 1.5 intervals: a probe is lost once the next-but-one is due, never at the same instant.
        var client = new EchoClient(new ServiceAddress("127.0.0.1", peer.EndPoint.Port), new ClientOptions { Transport = Transport.Udp, Timeout = TimeSpan.FromSeconds(1.5), TimeProvider = clock });

        Task<EchoStatistics> run = client.MeasureAsync(new EchoMeasurement { Count = 10, Interval = TimeSpan.FromSeconds(1), Size = 64 }, p => events.Add($"{p.Outcome} {p.Sequence}"), timeout.Token);
        TimeSpan advanced = TimeSpan.Zero;
        string[][] expectedAfter =
        [
            ["Reply 0"], ["Reply 1"], [], ["Reply 3", "Duplicate 3"], [], ["Reply 5", "Reordered 4"],
            ["Corrupted 6"], [], ["Reply 8"], ["Reply 9", "Late 7"],
        ];
        for (uint seq = 0; seq < 10; seq++)
        {
            await Arrival(seq).Task.WaitAsync(timeout.Token);
            // What this step must show is in before the clock moves on: 4 must come back before it could expire.
            try
            {
                await events.WaitForAsync(expectedAfter[seq], timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"after probe {seq} (fake time +{advanced.TotalMilliseconds} ms) expected [{string.Join(", ", expectedAfter[seq])}]; the client reported [{string.Join(", ", events.Lines)}]");
            }
            // Then time moves in tenths of an interval up to the instant the next probe is due, then a millisecond
            // at a time (the client's timer may round a tick past it) until the peer has the probe: big steps taken
            // while a slow peer had not yet seen it could expire one held back on purpose (4 must come back after 5,
            // within half an interval). A small real pause between steps lets the client's timers run.
            TimeSpan due = TimeSpan.FromSeconds(seq + 1);
            while (seq < 9 && !Arrival(seq + 1).Task.IsCompleted)
            {
                TimeSpan step = advanced < due ? TimeSpan.FromMilliseconds(Math.Min(100, (due - advanced).TotalMilliseconds)) : TimeSpan.FromMilliseconds(1);
                clock.Advance(step);
                advanced += step;
                await Task.WhenAny(Arrival(seq + 1).Task, Task.Delay(5, timeout.Token));
            }
        }
        while (!run.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(run, Task.Delay(5, timeout.Token));
        }
        EchoStatistics stats = await run.WaitAsync(timeout.Token);

        Assert.Equal(10, stats.Sent);
        Assert.Equal(7, stats.Received); // 0, 1, 3, 4 (out of order), 5, 8, 9
        Assert.Equal(2, stats.Lost);     // 2 never came back; 7 came back too late
        Assert.Equal(1, stats.Duplicates);
        Assert.Equal(1, stats.Reordered);
        Assert.Equal(1, stats.Corrupted);
        Assert.Equal(1, stats.Late);
        Assert.Equal(stats.Sent, stats.Received + stats.Lost + stats.Corrupted);
        Assert.Equal(20.0, stats.LossPercent);
        Assert.NotNull(stats.RoundTrip);
    }

    [Fact]
    public async Task Udp_Flood_AgainstInetkitEcho_AllAnsweredInOrder()
    {
        using var timeout = TestTimeout.Create();
        await using var server = await Servers.StartAsync(ServiceKind.Echo);
        var client = new EchoClient(new ServiceAddress("::1", server.EndPoint(ServiceKind.Echo, Transport.Udp, ipv6: true).Port), new ClientOptions { Transport = Transport.Udp });

        EchoStatistics stats = await client.MeasureAsync(new EchoMeasurement { Count = 500, Flood = true, Size = 1000 }, cancellationToken: timeout.Token);

        Assert.Equal((500L, 500L, 0L, 0L, 0L, 0L, 0L), (stats.Sent, stats.Received, stats.Lost, stats.Duplicates, stats.Reordered, stats.Corrupted, stats.Late));
        Assert.InRange(stats.RoundTrip!.Min, 0, stats.RoundTrip.Max);
        Assert.InRange(stats.RoundTrip.P50, stats.RoundTrip.Min, stats.RoundTrip.P99);
    }

    [Fact]
    public async Task Tcp_Flood_AgainstARawEchoPeer()
    {
        using var timeout = TestTimeout.Create();
        await using var peer = RawTcpPeer.Start(async (socket, ct) =>
        {
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, ct)) > 0)
            {
                await Net.SendAllAsync(socket, buffer.AsMemory(0, read), ct);
            }
        });
        var client = new EchoClient(new ServiceAddress("127.0.0.1", peer.EndPoint.Port), new ClientOptions());

        EchoStatistics stats = await client.MeasureAsync(new EchoMeasurement { Count = 50, Flood = true, Size = 3000 }, cancellationToken: timeout.Token);

        Assert.Equal((50L, 50L, 0L, 0L), (stats.Sent, stats.Received, stats.Lost, stats.Corrupted));
    }

    [Fact]
    public async Task Udp_SilentPeer_EverythingLost()
    {
        using var timeout = TestTimeout.Create();
        await using var peer = RawUdpPeer.Silent();
        var client = new EchoClient(new ServiceAddress("127.0.0.1", peer.EndPoint.Port), new ClientOptions { Transport = Transport.Udp, Timeout = TimeSpan.FromMilliseconds(200) });

        EchoStatistics stats = await client.MeasureAsync(new EchoMeasurement { Count = 3, Flood = true }, cancellationToken: timeout.Token);

        Assert.Equal((3L, 0L, 3L, 100.0), (stats.Sent, stats.Received, stats.Lost, stats.LossPercent));
        Assert.Null(stats.RoundTrip);
    }

    [Fact]
    public void RoundTripSummary_IsPingsMathPlusNearestRankPercentiles()
    {
        RoundTripSummary s = RoundTripSummary.Of([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])!;

        Assert.Equal((1.0, 5.5, 10.0), (s.Min, s.Avg, s.Max));
        Assert.Equal(Math.Sqrt(8.25), s.Mdev, 9);
        Assert.Equal((5.0, 9.0, 10.0), (s.P50, s.P90, s.P99));
        Assert.Null(RoundTripSummary.Of([]));
    }

    /// <summary>Outcomes as the client reports them, with a wait for a set of them.</summary>
    private sealed class EventLog
    {
        private readonly TraceRecorder _recorder = new();

        public void Add(string text) => _recorder.Write(text);

        public IReadOnlyList<string> Lines => _recorder.Lines;

        public async Task WaitForAsync(string[] expected, CancellationToken cancellationToken)
        {
            foreach (string e in expected)
            {
                await _recorder.WaitForAsync(line => line == e, cancellationToken);
            }
        }
    }
}
