using System.Net.Sockets;
using Inetkit.Impairment;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Impairment;

/// <summary>
/// The toxics that end the connection (timeout, reset, limit-data), seen by a plain client on loopback: what it
/// reads, and how the stream ends for it (EOF, or ECONNRESET).
/// </summary>
public sealed class StreamEndingTests
{
    [Fact]
    public async Task LimitData_TheClientReadsExactlyTheLimit_ThenEof()
    {
        using var timeout = TestTimeout.Create();
        using var pair = await StreamLoopback.OpenAsync(timeout.Token);
        await using var impairer = new StreamImpairer(new StreamImpairment { LimitData = 12 }, 1, TimeProvider.System, new SocketStreamSink(pair.Server));
        byte[] message = "0123456789abcdefghijklmnopqrstuvwxyz"u8.ToArray();

        // Three writes: the limit falls inside the second; whatever comes after it is refused or dropped.
        await impairer.WriteAsync(message.AsMemory(0, 5), timeout.Token);
        await impairer.WriteAsync(message.AsMemory(5, 10), timeout.Token);
        await impairer.WriteAsync(message.AsMemory(15), timeout.Token);

        Assert.Equal(message[..12], await pair.ReadToEndAsync(timeout.Token));
        Assert.Equal(StreamEnd.LimitData, await impairer.Ended.WaitAsync(timeout.Token));
        Assert.Equal(12, impairer.Counters.BytesOut);
        Assert.False(await impairer.WriteAsync(message, timeout.Token));
    }

    [Fact]
    public async Task Reset_AfterItsTimeEvenWithNoDataFlowing_TheClientGetsConnectionReset()
    {
        using var timeout = TestTimeout.Create();
        using var pair = await StreamLoopback.OpenAsync(timeout.Token);
        var clock = new StreamTestClock();
        await using var impairer = new StreamImpairer(new StreamImpairment { Reset = TimeSpan.FromSeconds(5) }, 1, clock, new SocketStreamSink(pair.Server));
        Assert.Equal(TimeSpan.FromSeconds(5), await clock.NextTimerAsync(timeout.Token));

        // Data flows until the reset...
        Assert.True(await impairer.WriteAsync("before"u8.ToArray(), timeout.Token));
        Assert.Equal("before"u8.ToArray(), await pair.ReadExactlyAsync(6, timeout.Token));

        // ...and then, with the client waiting in a read and nothing in flight, the RST.
        Task<int> read = pair.Client.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token).AsTask();
        clock.Advance(TimeSpan.FromSeconds(5));
        var reset = await Assert.ThrowsAsync<SocketException>(() => read);
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        Assert.Equal(StreamEnd.Reset, await impairer.Ended.WaitAsync(timeout.Token));
    }

    [Fact]
    public async Task Timeout_PassesNoData_ThenClosesAfterItsTime()
    {
        using var timeout = TestTimeout.Create();
        using var pair = await StreamLoopback.OpenAsync(timeout.Token);
        var clock = new StreamTestClock();
        await using var impairer = new StreamImpairer(new StreamImpairment { Timeout = TimeSpan.FromSeconds(2) }, 1, clock, new SocketStreamSink(pair.Server));
        Assert.Equal(TimeSpan.FromSeconds(2), await clock.NextTimerAsync(timeout.Token));

        Assert.True(await impairer.WriteAsync("dropped on the ground"u8.ToArray(), timeout.Token));
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Empty(await pair.ReadToEndAsync(timeout.Token));
        Assert.Equal(StreamEnd.Timeout, await impairer.Ended.WaitAsync(timeout.Token));
        Assert.Equal(new StreamCounters(21, 0, 0, 0, StreamEnd.Timeout), impairer.Counters);
    }

    [Fact]
    public async Task TimeoutZero_HoldsTheConnection_NoDataAndNoClose_UntilTheImpairerIsDisposed()
    {
        using var timeout = TestTimeout.Create();
        using var pair = await StreamLoopback.OpenAsync(timeout.Token);
        var clock = new StreamTestClock();
        var impairer = new StreamImpairer(new StreamImpairment { Timeout = TimeSpan.Zero }, 1, clock, new SocketStreamSink(pair.Server));

        Assert.True(await impairer.WriteAsync("never delivered"u8.ToArray(), timeout.Token));
        clock.Advance(TimeSpan.FromDays(1));

        // Held: neither data nor EOF is readable (a bounded look, not a measurement: either would stay in the buffer).
        Assert.False(pair.Client.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead));
        Assert.Equal(StreamEnd.Open, impairer.EndedBy);

        await impairer.DisposeAsync();
        Assert.Empty(await pair.ReadToEndAsync(timeout.Token));
        Assert.Equal(StreamEnd.Disposed, impairer.EndedBy);
    }
}
