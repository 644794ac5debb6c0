using System.Net;
using System.Net.Sockets;
using Inetkit.Demo.Wire;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>What a capture keeps: its watched ports' traffic, never other ports' nor its own sync markers.</summary>
public sealed class CaptureFilterTests
{
    [Fact]
    public async Task TwoCaptures_EachSeesOnlyItsOwnPorts()
    {
        using var timeout = TestTimeout.Create();
        using Socket a1 = Net.Udp(AddressFamily.InterNetwork), a2 = Net.Udp(AddressFamily.InterNetwork);
        using Socket b1 = Net.Udp(AddressFamily.InterNetwork), b2 = Net.Udp(AddressFamily.InterNetwork);
        await using LoopbackCapture captureA = Captures.Open(Port(a1), Port(a2));
        await using LoopbackCapture captureB = Captures.Open(Port(b1));

        await b1.SendToAsync("for b"u8.ToArray(), b2.LocalEndPoint!, timeout.Token);
        await a1.SendToAsync("for a"u8.ToArray(), a2.LocalEndPoint!, timeout.Token);
        await b2.SendToAsync("b again"u8.ToArray(), b1.LocalEndPoint!, timeout.Token);
        List<WirePacket> seenByA = await Captures.SinceLastAsync(captureA, timeout.Token);
        List<WirePacket> seenByB = await Captures.SinceLastAsync(captureB, timeout.Token);

        Assert.Equal(["for a"], seenByA.Select(Text));
        Assert.Equal(["for b", "b again"], seenByB.Select(Text));
    }

    [Fact]
    public async Task Watch_KeepsAPortFromThenOn()
    {
        using var timeout = TestTimeout.Create();
        using Socket sender = Net.Udp(AddressFamily.InterNetwork);
        using Socket receiver = Net.Udp(AddressFamily.InterNetwork);
        await using LoopbackCapture capture = Captures.Open();

        await sender.SendToAsync("before"u8.ToArray(), receiver.LocalEndPoint!, timeout.Token);
        List<WirePacket> unwatched = await Captures.SinceLastAsync(capture, timeout.Token);
        capture.Watch(Port(receiver));
        await sender.SendToAsync("after"u8.ToArray(), receiver.LocalEndPoint!, timeout.Token);
        List<WirePacket> watched = await Captures.SinceLastAsync(capture, timeout.Token);

        Assert.Empty(unwatched);
        Assert.Equal(["after"], watched.Select(Text));
        Assert.Equal([Port(receiver)], capture.Ports);
    }

    [Fact]
    public async Task MorePortsThanTheKernelFilterHolds_StillOnlyThose()
    {
        using var timeout = TestTimeout.Create();
        using Socket sender = Net.Udp(AddressFamily.InterNetwork);
        using Socket receiver = Net.Udp(AddressFamily.InterNetwork);
        using Socket other = Net.Udp(AddressFamily.InterNetwork);
        // Past the kernel filter's reach it keeps all TCP and UDP, and the reader picks; ports 1-149 carry nothing here.
        await using LoopbackCapture capture = Captures.Open([.. Enumerable.Range(1, 149), Port(receiver)]);

        await other.SendToAsync("not this"u8.ToArray(), sender.LocalEndPoint!, timeout.Token);
        await sender.SendToAsync("this"u8.ToArray(), receiver.LocalEndPoint!, timeout.Token);
        List<WirePacket> packets = await Captures.SinceLastAsync(capture, timeout.Token);

        Assert.Equal(["this"], packets.Select(Text));
    }

    [Fact]
    public async Task Markers_AreOnTheWire_ButNotInTheCapturesOwnPackets()
    {
        using var timeout = TestTimeout.Create();
        using Socket sender = Net.Udp(AddressFamily.InterNetwork);
        using Socket receiver = Net.Udp(AddressFamily.InterNetwork);
        await using LoopbackCapture capture = Captures.Open(Port(receiver));
        await using LoopbackCapture watcher = Captures.Open(capture.SyncEndPoint.Port);

        await capture.SyncAsync(timeout.Token);
        await sender.SendToAsync("mine"u8.ToArray(), receiver.LocalEndPoint!, timeout.Token);
        List<WirePacket> kept = await Captures.SinceLastAsync(capture, timeout.Token);
        await capture.SyncAsync(timeout.Token);
        List<WirePacket> markers = await Captures.SinceLastAsync(watcher, timeout.Token);

        Assert.Equal(["mine"], kept.Select(Text));
        // Three, or more where one was lost on a crowded loopback and sent again.
        Assert.InRange(markers.Count(p => p.Between(capture.SyncEndPoint, capture.SyncEndPoint)), 3, int.MaxValue);
    }

    [Fact]
    public async Task Dispose_CompletesThePackets_AndLaterSyncsFail()
    {
        using var timeout = TestTimeout.Create();
        LoopbackCapture capture = Captures.Open();

        await capture.DisposeAsync();

        Assert.False(await capture.Packets.WaitToReadAsync(timeout.Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await capture.SyncAsync(timeout.Token));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void NotAPort_IsRefused(int port)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LoopbackCapture.TryOpen([port], out _, out _));
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    private static string Text(WirePacket packet) => System.Text.Encoding.ASCII.GetString(packet.Payload.Span);
}
