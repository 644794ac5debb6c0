using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Inetkit.Demo.Wire;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>What a capture leaves out: other ports' traffic, and its own sync markers.</summary>
public sealed class CaptureFilterTests
{
    [Fact]
    public async Task TwoCaptures_EachSeesOnlyItsOwnPorts()
    {
        using var timeout = TestTimeout.Create();
        using Socket a1 = Net.Udp(AddressFamily.InterNetwork), a2 = Net.Udp(AddressFamily.InterNetwork);
        using Socket b1 = Net.Udp(AddressFamily.InterNetwork), b2 = Net.Udp(AddressFamily.InterNetwork);
        await using LoopbackCapture captureA = Captures.Open(Port(a1), Port(a2));
        await using LoopbackCapture captureB = Captures.Open(Port(b1), Port(b2));

        await b1.SendToAsync("for b"u8.ToArray(), b2.LocalEndPoint!, timeout.Token);
        await a1.SendToAsync("for a"u8.ToArray(), a2.LocalEndPoint!, timeout.Token);
        await b2.SendToAsync("b again"u8.ToArray(), b1.LocalEndPoint!, timeout.Token);
        List<WirePacket> seenByA = await Captures.SinceLastAsync(captureA, timeout.Token);
        List<WirePacket> seenByB = await Captures.SinceLastAsync(captureB, timeout.Token);

        Assert.Equal(["for a"], seenByA.Select(p => System.Text.Encoding.ASCII.GetString(p.Payload.Span)));
        Assert.Equal(["for b", "b again"], seenByB.Select(p => System.Text.Encoding.ASCII.GetString(p.Payload.Span)));
    }

    [Fact]
    public async Task Markers_AreOnTheWire_ButNotInTheCapturesOwnPackets()
    {
        using var timeout = TestTimeout.Create();
        using Socket sender = Net.Udp(AddressFamily.InterNetwork);
        using Socket receiver = Net.Udp(AddressFamily.InterNetwork);
        var from = (IPEndPoint)sender.LocalEndPoint!;
        var to = (IPEndPoint)receiver.LocalEndPoint!;
        await using LoopbackCapture capture = Captures.Keeping((_, _) => true);
        await using LoopbackCapture watcher = Captures.Open(capture.SyncEndPoint.Port);

        await capture.SyncAsync(timeout.Token);
        await sender.SendToAsync("mine"u8.ToArray(), to, timeout.Token);
        List<WirePacket> kept = await Captures.SinceLastAsync(capture, timeout.Token);
        await capture.SyncAsync(timeout.Token);
        List<WirePacket> markers = await Captures.SinceLastAsync(watcher, timeout.Token);

        // Everything else loopback carried meanwhile is kept too (other tests'), but not one marker.
        Assert.Contains(kept, p => p.Between(from, to));
        Assert.DoesNotContain(kept, p => p.Source.Equals(capture.SyncEndPoint));
        // Three, or more where one was lost on a crowded loopback and sent again.
        Assert.InRange(markers.Count(p => p.Between(capture.SyncEndPoint, capture.SyncEndPoint)), 3, int.MaxValue);
    }

    [Fact]
    public async Task Dispose_CompletesThePackets_AndLaterSyncsFail()
    {
        using var timeout = TestTimeout.Create();
        LoopbackCapture capture = Captures.Keeping((_, _) => false);

        await capture.DisposeAsync();

        Assert.False(await capture.Packets.WaitToReadAsync(timeout.Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await capture.SyncAsync(timeout.Token));
    }

    [Fact]
    public async Task AFilterThatThrows_EndsThePacketsWithItsError()
    {
        using var timeout = TestTimeout.Create();
        using Socket sender = Net.Udp(AddressFamily.InterNetwork);
        using Socket receiver = Net.Udp(AddressFamily.InterNetwork);
        await using LoopbackCapture capture = Captures.Keeping((_, to) => to.Equals(receiver.LocalEndPoint) ? throw new InvalidOperationException("filter broke") : false);

        await sender.SendToAsync("x"u8.ToArray(), receiver.LocalEndPoint!, timeout.Token);

        var closed = await Assert.ThrowsAsync<ChannelClosedException>(async () => await capture.Packets.ReadAsync(timeout.Token));
        Assert.Equal("filter broke", closed.InnerException?.Message);
        Assert.Equal("filter broke", (await Assert.ThrowsAsync<InvalidOperationException>(async () => await capture.SyncAsync(timeout.Token))).InnerException?.Message);
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;
}
