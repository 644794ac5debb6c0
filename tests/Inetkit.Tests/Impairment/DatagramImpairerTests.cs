using CsCheck;
using Inetkit.Impairment;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Impairment;

/// <summary>
/// The engine against an oracle built here from its documented draw order (six <c>NextDouble</c> per datagram: loss,
/// duplicate, corrupt, corrupt-bit, reorder, jitter), on a fake clock: exact datagrams, exact times, no statistics.
/// Each datagram's target is its sequence number, so what arrives says which it was even when corrupted.
/// </summary>
public sealed class DatagramImpairerTests
{
    private const int Seed = 1234;

    private sealed record Arrival(int Seq, byte[] Data, TimeSpan At);

    private sealed class Harness : IAsyncDisposable
    {
        private readonly long _start;

        public Harness(DatagramImpairment profile, int seed = Seed)
        {
            _start = Time.GetTimestamp();
            Impairer = new DatagramImpairer<int>(profile, seed, Time, (data, seq) =>
            {
                Arrivals.Add(new Arrival(seq, data.ToArray(), Time.GetElapsedTime(_start)));
                return ValueTask.CompletedTask;
            }, Trace.Add);
        }

        public FakeTimeProvider Time { get; } = new();

        public DatagramImpairer<int> Impairer { get; }

        public List<Arrival> Arrivals { get; } = [];

        public List<string> Trace { get; } = [];

        public IEnumerable<int> Seqs => Arrivals.Select(a => a.Seq);

        public async Task SubmitAsync(int count, TimeSpan spacing = default)
        {
            for (int seq = 0; seq < count; seq++)
            {
                await Impairer.SubmitAsync(Payload(seq), seq);
                if (spacing > TimeSpan.Zero)
                {
                    Run(spacing);
                }
            }
        }

        /// <summary>Runs the clock on in small steps, so each timer fires at its own time.</summary>
        public void Run(TimeSpan span, TimeSpan? step = null)
        {
            TimeSpan by = step ?? TimeSpan.FromMilliseconds(0.1);
            for (TimeSpan t = TimeSpan.Zero; t < span; t += by)
            {
                Time.Advance(by);
            }
        }

        public ValueTask DisposeAsync() => Impairer.DisposeAsync();
    }

    private static byte[] Payload(int seq) => [.. BitConverter.GetBytes(seq), 0x55, 0xAA, 0x0F, 0xF0];

    /// <summary>The six draws of each datagram, as the engine documents them.</summary>
    private static double[][] Draws(int count, int seed = Seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 6).Select(_ => random.NextDouble()).ToArray())];
    }

    private static int[] Where(int count, Func<double[], bool> predicate, int seed = Seed) =>
        [.. Draws(count, seed).Select((u, seq) => (u, seq)).Where(x => predicate(x.u)).Select(x => x.seq)];

    [Fact]
    public async Task Loss_ExactlyTheDatagramsWhoseLossDrawIsUnder()
    {
        await using var h = new Harness(new DatagramImpairment { Loss = 0.3 });
        await h.SubmitAsync(40);

        int[] lost = Where(40, u => u[0] < 0.3);
        Assert.NotEmpty(lost);
        Assert.Equal(Enumerable.Range(0, 40).Except(lost), h.Seqs);
        Assert.Equal(lost.Length, h.Impairer.Counters.Lost);
        Assert.Contains("sendto(8 bytes, 0) -> lost (impairment: loss 30%)", h.Trace.Select(t => t.Replace($"sendto(8 bytes, {lost[0]})", "sendto(8 bytes, 0)", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task OtherParts_DoNotChangeWhichAreLost()
    {
        await using var alone = new Harness(new DatagramImpairment { Loss = 0.3 });
        await using var mixed = new Harness(new DatagramImpairment { Loss = 0.3, Duplicate = 0.5, Corrupt = 0.5, Reorder = 0.2 });
        await alone.SubmitAsync(40);
        await mixed.SubmitAsync(40);
        mixed.Run(TimeSpan.FromMilliseconds(60));

        Assert.Equal(alone.Seqs.Order(), mixed.Seqs.Distinct().Order());
    }

    [Fact]
    public async Task Duplicate_TheChosenOnesTwice_BackToBack_TheCopyUncorrupted()
    {
        await using var h = new Harness(new DatagramImpairment { Duplicate = 0.25, Corrupt = 0.5 });
        await h.SubmitAsync(30);

        int[] twice = Where(30, u => u[1] < 0.25);
        Assert.NotEmpty(twice);
        Assert.Equal(Enumerable.Range(0, 30).SelectMany(seq => twice.Contains(seq) ? new[] { seq, seq } : [seq]), h.Seqs);
        Assert.All(twice, seq => Assert.Equal(Payload(seq), h.Arrivals.Last(a => a.Seq == seq).Data));
        Assert.Equal(twice.Length, h.Impairer.Counters.Duplicated);
        Assert.Equal(30 + twice.Length, h.Impairer.Counters.Sent);
    }

    [Fact]
    public async Task Corrupt_ExactlyOneBit_TheOneItsDrawNames()
    {
        await using var h = new Harness(new DatagramImpairment { Corrupt = 0.3 });
        await h.SubmitAsync(30);
        double[][] u = Draws(30);

        int[] corrupted = Where(30, d => d[2] < 0.3);
        Assert.NotEmpty(corrupted);
        foreach (Arrival a in h.Arrivals)
        {
            byte[] sent = Payload(a.Seq);
            int[] flipped = [.. Enumerable.Range(0, sent.Length * 8).Where(bit => ((sent[bit / 8] ^ a.Data[bit / 8]) & (1 << (bit % 8))) != 0)];
            Assert.Equal(corrupted.Contains(a.Seq) ? [(int)(u[a.Seq][3] * sent.Length * 8)] : [], flipped);
        }
        Assert.Equal(corrupted.Length, h.Impairer.Counters.Corrupted);
    }

    [Fact]
    public async Task Corrupt_AnEmptyDatagramHasNoBitToFlip()
    {
        await using var h = new Harness(new DatagramImpairment { Corrupt = 1 });
        await h.Impairer.SubmitAsync(ReadOnlyMemory<byte>.Empty, 0);

        Assert.Empty(Assert.Single(h.Arrivals).Data);
        Assert.Equal(0, h.Impairer.Counters.Corrupted);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Reorder_AHeldDatagramGoesRightAfterGapLaterOnes(int gap)
    {
        await using var h = new Harness(new DatagramImpairment { Reorder = 0.2, ReorderGap = gap });
        await h.SubmitAsync(40);
        int[] held = Where(40, u => u[4] < 0.2);

        // The oracle: each datagram sent counts down every held one; those at zero go next, in the order they were held.
        var expected = new List<int>();
        var waiting = new List<(int Seq, int Left)>();
        void Send(int seq)
        {
            expected.Add(seq);
            var done = new List<int>();
            for (int i = 0; i < waiting.Count; i++)
            {
                waiting[i] = (waiting[i].Seq, waiting[i].Left - 1);
                if (waiting[i].Left == 0)
                {
                    done.Add(waiting[i].Seq);
                    waiting.RemoveAt(i--);
                }
            }
            done.ForEach(Send);
        }
        for (int seq = 0; seq < 40; seq++)
        {
            if (held.Contains(seq))
            {
                waiting.Add((seq, gap));
            }
            else
            {
                Send(seq);
            }
        }

        Assert.NotEmpty(held);
        Assert.Equal(expected, h.Seqs);
        h.Run(TimeSpan.FromMilliseconds(50));
        Assert.Equal(expected.Concat(waiting.Select(w => w.Seq)), h.Seqs);
        Assert.Equal(held.Length, h.Impairer.Counters.Reordered);
    }

    [Fact]
    public async Task Reorder_WithNoneToOvertakeIt_AHeldDatagramGoesAfterReorderWait_NeverLost()
    {
        await using var h = new Harness(new DatagramImpairment { Reorder = 1, ReorderWait = TimeSpan.FromMilliseconds(50) });
        await h.SubmitAsync(1);

        h.Time.Advance(TimeSpan.FromMilliseconds(49.9));
        Assert.Empty(h.Arrivals);
        h.Time.Advance(TimeSpan.FromMilliseconds(0.1));
        Assert.Equal(TimeSpan.FromMilliseconds(50), Assert.Single(h.Arrivals).At);
        Assert.Contains(h.Trace, t => t.StartsWith("sendto(8 bytes, 0) -> held back until 1 later datagram has gone, or 50ms (impairment: reorder 100%)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DelayAndJitter_EachAtDelayPlusItsJitterDraw_ReorderedAsNetem()
    {
        var profile = new DatagramImpairment { Delay = TimeSpan.FromMilliseconds(20), Jitter = TimeSpan.FromMilliseconds(5) };
        await using var h = new Harness(profile);
        await h.SubmitAsync(20, TimeSpan.FromMilliseconds(1));
        h.Run(TimeSpan.FromMilliseconds(30));
        double[][] u = Draws(20);

        TimeSpan Due(int seq) => TimeSpan.FromMilliseconds(seq) + profile.Delay + TimeSpan.FromTicks((long)Math.Round((2 * u[seq][5] - 1) * profile.Jitter.Ticks));
        Assert.Equal(Enumerable.Range(0, 20).Order(), h.Seqs.Order());
        // The clock runs in 0.1 ms steps: each is sent at the first step at or after its due time.
        Assert.All(h.Arrivals, a => Assert.InRange(a.At - Due(a.Seq), TimeSpan.Zero, TimeSpan.FromMilliseconds(0.1) - TimeSpan.FromTicks(1)));
        Assert.All(h.Arrivals, a => Assert.InRange(a.At - TimeSpan.FromMilliseconds(a.Seq), TimeSpan.FromMilliseconds(15), TimeSpan.FromMilliseconds(25)));
        Assert.Equal(Enumerable.Range(0, 20).OrderBy(Due).ThenBy(seq => seq), h.Seqs);
        Assert.NotEqual(Enumerable.Range(0, 20), h.Seqs);
        Assert.Equal(20, h.Impairer.Counters.Delayed);
    }

    [Fact]
    public async Task Rate_SpacesBySizeOverRate_AndDropsTailBeyondTheLimit()
    {
        // 1000 bytes at 1 mbit/s: 8 ms each. The first goes at once; three may wait; the rest are dropped.
        await using var h = new Harness(new DatagramImpairment { RateBitsPerSecond = 1_000_000, Limit = 3 });
        for (int seq = 0; seq < 6; seq++)
        {
            await h.Impairer.SubmitAsync(new byte[1000], seq);
        }
        h.Run(TimeSpan.FromMilliseconds(40));

        Assert.Equal([0, 1, 2, 3], h.Seqs);
        Assert.Equal([0, 8, 16, 24], h.Arrivals.Select(a => a.At.TotalMilliseconds));
        Assert.Equal(2, h.Impairer.Counters.RateDropped);
        Assert.Equal(3, h.Impairer.Counters.Delayed);
        Assert.Contains(h.Trace, t => t == "sendto(1000 bytes, 4) -> dropped, 3 already waiting (impairment: rate 1mbit (limit 3))");

        await h.Impairer.SubmitAsync(new byte[500], 6);
        Assert.Equal(TimeSpan.FromMilliseconds(40), h.Arrivals[^1].At);
    }

    [Fact]
    public async Task LossBurst_FollowsTheGilbertElliottChain_OfTheLossDraws()
    {
        const double loss = 0.2, burst = 4;
        await using var h = new Harness(new DatagramImpairment { Loss = loss, LossBurst = burst }, seed: 7);
        await h.SubmitAsync(200);

        double r = 1 / burst, p = loss * r / (1 - loss);
        bool bad = false;
        var lost = new List<int>();
        foreach (var (u, seq) in Draws(200, seed: 7).Select((u, seq) => (u, seq)))
        {
            if (bad)
            {
                lost.Add(seq);
            }
            bad = bad ? u[0] >= r : u[0] < p;
        }
        Assert.Equal(Enumerable.Range(0, 200).Except(lost), h.Seqs);
        int[] runs = [.. lost.Select((seq, i) => seq - i).GroupBy(k => k).Select(g => g.Count())];
        Assert.Contains(runs, run => run > 1);
        Assert.Equal(0.0625, p);
    }

    [Fact]
    public async Task Dispose_DropsWhatIsStillDelayed_AndCountsIt()
    {
        var h = new Harness(new DatagramImpairment { Delay = TimeSpan.FromMilliseconds(10) });
        await h.SubmitAsync(3);
        await h.DisposeAsync();
        h.Run(TimeSpan.FromMilliseconds(20));

        Assert.Empty(h.Arrivals);
        Assert.Equal(3, h.Impairer.Counters.Abandoned);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Impairer.SubmitAsync(Payload(9), 9).AsTask());
    }

    [Fact]
    public async Task AFailingSend_IsCountedAndNarrated_AndTheNextStillGoes()
    {
        var time = new FakeTimeProvider();
        var trace = new List<string>();
        var sent = new List<int>();
        await using var impairer = new DatagramImpairer<int>(new DatagramImpairment(), Seed, time, (_, seq) =>
        {
            sent.Add(seq);
            return seq == 0 ? throw new InvalidOperationException("no route") : ValueTask.CompletedTask;
        }, trace.Add);
        await impairer.SubmitAsync(Payload(0), 0);
        await impairer.SubmitAsync(Payload(1), 1);

        Assert.Equal([0, 1], sent);
        Assert.Equal(1, impairer.Counters.SendFailed);
        Assert.Contains("sendto(8 bytes, 0) failed after impairment: no route", trace);
    }

    private static readonly Gen<DatagramImpairment> ProfileGen =
        Gen.Select(Gen.Int[0, 50], Gen.Int[0, 50], Gen.Int[0, 50], Gen.Int[0, 20], Gen.Int[0, 20], Gen.Int[0, 3], Gen.Int[1, 5],
            (loss, duplicate, reorder, delay, jitter, rate, limit) => new DatagramImpairment
            {
                Loss = loss / 100.0, Duplicate = duplicate / 100.0, Reorder = reorder / 100.0, ReorderGap = 1 + (limit % 3),
                Delay = TimeSpan.FromMilliseconds(delay), Jitter = TimeSpan.FromMilliseconds(jitter),
                RateBitsPerSecond = rate == 0 ? null : rate * 100_000, Limit = limit,
            });

    [Fact]
    public void EverythingSubmitted_IsSentOrAccountedFor_AndTheSameSeedDecidesTheSame()
    {
        Gen.Select(ProfileGen, Gen.Int, Gen.Int[0, 60]).Sample((profile, seed, count) =>
        {
            List<Arrival> Run()
            {
                var h = new Harness(profile, seed);
                h.SubmitAsync(count, TimeSpan.FromMilliseconds(1)).GetAwaiter().GetResult();
                h.Run(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(1));
                ImpairmentCounters c = h.Impairer.Counters;
                Assert.Equal(c.Submitted - c.Lost + c.Duplicated, c.Sent + c.RateDropped);
                Assert.Equal(c.Sent, h.Arrivals.Count);
                return h.Arrivals;
            }
            List<Arrival> first = Run(), second = Run();
            Assert.Equal(first.Select(a => (a.Seq, a.At)), second.Select(a => (a.Seq, a.At)));
        }, iter: 50);
    }
}
