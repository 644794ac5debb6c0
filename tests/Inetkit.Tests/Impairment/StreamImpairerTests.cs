using System.Net.Sockets;
using Inetkit.Impairment;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Impairment;

/// <summary>The impairer's plumbing: no toxic passes everything, the Stream adapter, and the slicer's seeded plan.</summary>
public sealed class StreamImpairerTests
{
    [Fact]
    public async Task NoToxic_PassesEveryByte_ThenTheFin_AndCountsThem()
    {
        using var timeout = TestTimeout.Create();
        using var pair = await StreamLoopback.OpenAsync(timeout.Token);
        await using var impairer = new StreamImpairer(new StreamImpairment(), 1, TimeProvider.System, new SocketStreamSink(pair.Server));
        byte[] message = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();

        Task<byte[]> read = pair.ReadToEndAsync(timeout.Token);
        for (int offset = 0; offset < message.Length; offset += 4096)
        {
            Assert.True(await impairer.WriteAsync(message.AsMemory(offset, Math.Min(4096, message.Length - offset)), timeout.Token));
        }
        Assert.Equal(StreamEnd.Normal, await impairer.CompleteAsync(timeout.Token));

        Assert.Equal(message, await read);
        Assert.Equal(new StreamCounters(100_000, 100_000, 0, 0, StreamEnd.Normal), impairer.Counters);
    }

    [Fact]
    public async Task ImpairedStream_ReadsPassThrough_WritesAreImpaired_AndAWriteAfterTheEndFails()
    {
        using var timeout = TestTimeout.Create();
        using var pair = await StreamLoopback.OpenAsync(timeout.Token);
        var impairer = new StreamImpairer(new StreamImpairment { LimitData = 4 }, 1, TimeProvider.System, new SocketStreamSink(pair.Server));
        await using var stream = new ImpairedStream(new NetworkStream(pair.Server, ownsSocket: false), impairer);

        await pair.Client.SendAsync("ping"u8.ToArray(), SocketFlags.None, timeout.Token);
        byte[] got = new byte[4];
        await stream.ReadExactlyAsync(got, timeout.Token);
        Assert.Equal("ping"u8.ToArray(), got);

        await stream.WriteAsync("pong, and more"u8.ToArray(), timeout.Token);
        Assert.Equal("pong"u8.ToArray(), await pair.ReadToEndAsync(timeout.Token));
        Assert.Equal(StreamEnd.LimitData, await impairer.Ended.WaitAsync(timeout.Token));
        await Assert.ThrowsAsync<IOException>(async () => await stream.WriteAsync("late"u8.ToArray(), timeout.Token));
    }

    [Theory]
    [InlineData(10, 0, 95)]
    [InlineData(10, 3, 1000)]
    [InlineData(1, 0, 17)]
    [InlineData(64, 16, 50)]
    public void Slicer_CutsPiecesOfAboutTheSize_ThatAddUp_TheSameForTheSameSeed(int size, int variation, int length)
    {
        List<int> pieces = new StreamSlicer(size, variation, new Random(42)).Sizes(length);
        Assert.Equal(pieces, new StreamSlicer(size, variation, new Random(42)).Sizes(length));
        Assert.Equal(length, pieces.Sum());
        Assert.All(pieces, p => Assert.InRange(p, 1, size + variation));
    }
}
