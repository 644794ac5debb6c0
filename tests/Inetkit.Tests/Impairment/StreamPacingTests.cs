using System.Net.Sockets;
using System.Text;
using Inetkit.Impairment;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Impairment;

/// <summary>
/// The toxics that change when bytes arrive (latency, jitter, bandwidth, slicer, slow-close), seen by a plain client
/// on loopback. Time is a fake clock the test moves only once the impairer waits on it, so each step is decided by
/// the script, never by the machine's speed; "nothing yet" is asserted only while the impairer is blocked on it.
/// </summary>
public sealed class StreamPacingTests
{
    [Fact]
    public async Task Latency_NothingArrivesBeforeTheClockMovesByIt_ThenTheChunkDoes()
    {
        using var timeout = TestTimeout.Create();
        using var pair = await StreamLoopback.OpenAsync(timeout.Token);
        var clock = new StreamTestClock();
        await using var impairer = new StreamImpairer(new StreamImpairment { Latency = TimeSpan.FromMilliseconds(200) }, 1, clock, new SocketStreamSink(pair.Server));

        Assert.True(await impairer.WriteAsync("hello"u8.ToArray(), timeout.Token));
        Assert.Equal(TimeSpan.FromMilliseconds(200), await clock.NextTimerAsync(timeout.Token));
        clock.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal(0, pair.Client.Available);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("hello"u8.ToArray(), await pair.ReadExactlyAsync(5, timeout.Token));
        Assert.Equal(1, impairer.Counters.ChunksDelayed);
    }

    [Fact]
    public async Task Jitter_DelaysWithinLatencyPlusOrMinusIt_TheSameForTheSameSeed()
    {
        using var timeout = TestTimeout.Create();
        var settings = new StreamImpairment { Latency = TimeSpan.FromMilliseconds(100), Jitter = TimeSpan.FromMilliseconds(50) };
        var delays = new List<TimeSpan>();
        foreach (int seed in new[] { 7, 7, 8 })
        {
            using var pair = await StreamLoopback.OpenAsync(timeout.Token);
            var clock = new StreamTestClock();
            await using var impairer = new StreamImpairer(settings, seed, clock, new SocketStreamSink(pair.Server));
            Assert.True(await impairer.WriteAsync("x"u8.ToArray(), timeout.Token));
            TimeSpan delay = await clock.NextTimerAsync(timeout.Token);
            Assert.InRange(delay, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150));

            clock.Advance(delay - TimeSpan.FromTicks(1));
            Assert.Equal(0, pair.Client.Available);
            clock.Advance(TimeSpan.FromTicks(1));
            Assert.Equal("x"u8.ToArray(), await pair.ReadExactlyAsync(1, timeout.Token));
            delays.Add(delay);
        }
        Assert.Equal(delays[0], delays[1]);
        Assert.NotEqual(delays[0], delays[2]);
    }

    [Fact]
    public async Task Bandwidth_ReleasesTheRateWorthOfBytesPerAdvance_In100MsPieces()
    {
        using var timeout = TestTimeout.Create();
        using var pair = await StreamLoopback.OpenAsync(timeout.Token);
        var clock = new StreamTestClock();
        await using var impairer = new StreamImpairer(new StreamImpairment { BandwidthBytesPerSecond = 1000 }, 1, clock, new SocketStreamSink(pair.Server));
        byte[] message = Enumerable.Range(0, 450).Select(i => (byte)i).ToArray();

        Assert.True(await impairer.WriteAsync(message, timeout.Token));
        Task<StreamEnd> complete = impairer.CompleteAsync(timeout.Token);
        var received = new List<byte>();
        foreach (int piece in new[] { 100, 100, 100, 100, 50 })
        {
            // The next piece waits for its share of the second; until the clock moves, not one more byte is sent.
            Assert.Equal(TimeSpan.FromMilliseconds(piece), await clock.NextTimerAsync(timeout.Token));
            Assert.Equal(0, pair.Client.Available);
            clock.Advance(TimeSpan.FromMilliseconds(piece));
            received.AddRange(await pair.ReadExactlyAsync(piece, timeout.Token));
        }
        Assert.Equal(StreamEnd.Normal, await complete);
        Assert.Empty(await pair.ReadToEndAsync(timeout.Token));
        Assert.Equal(message, received);
    }

    [Fact]
    public async Task Slicer_TheClientReadsTheMessageInSlicesNoBiggerThanTheSize_ThatReassemble()
    {
        using var timeout = TestTimeout.Create();
        using var pair = await StreamLoopback.OpenAsync(timeout.Token);
        var clock = new StreamTestClock();
        var settings = new StreamImpairment { SlicerSize = 10, SlicerDelay = TimeSpan.FromMilliseconds(1) };
        await using var impairer = new StreamImpairer(settings, 3, clock, new SocketStreamSink(pair.Server));
        byte[] message = Encoding.ASCII.GetBytes("A stream has no record boundaries: one write may be read in many pieces, and many in one.\r\n");

        Assert.True(await impairer.WriteAsync(message, timeout.Token));
        var reads = new List<byte[]>();
        byte[] buffer = new byte[message.Length];
        while (reads.Sum(r => r.Length) < message.Length)
        {
            // After each slice the slicer waits its delay: the client's read returns that slice and nothing after it.
            Assert.Equal(TimeSpan.FromMilliseconds(1), await clock.NextTimerAsync(timeout.Token));
            int read = await pair.Client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            reads.Add(buffer[..read]);
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.True(reads.Count > 1);
        Assert.All(reads, r => Assert.InRange(r.Length, 1, 10));
        Assert.Equal(message, reads.SelectMany(r => r).ToArray());
        Assert.Equal(reads.Count, impairer.Counters.Slices);
    }

    [Fact]
    public async Task SlowClose_TheFinComesAfterAllTheData_OnlyOnceTheClockMovesByIt()
    {
        using var timeout = TestTimeout.Create();
        using var pair = await StreamLoopback.OpenAsync(timeout.Token);
        var clock = new StreamTestClock();
        await using var impairer = new StreamImpairer(new StreamImpairment { SlowClose = TimeSpan.FromSeconds(3) }, 1, clock, new SocketStreamSink(pair.Server));

        Assert.True(await impairer.WriteAsync("all of it\r\n"u8.ToArray(), timeout.Token));
        Task<StreamEnd> complete = impairer.CompleteAsync(timeout.Token);
        Assert.Equal(TimeSpan.FromSeconds(3), await clock.NextTimerAsync(timeout.Token));
        Assert.Equal("all of it\r\n"u8.ToArray(), await pair.ReadExactlyAsync(11, timeout.Token));

        Task<int> eof = pair.Client.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(2999));
        Assert.False(eof.IsCompleted);
        Assert.False(complete.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await eof);
        Assert.Equal(StreamEnd.Normal, await complete);
    }
}
