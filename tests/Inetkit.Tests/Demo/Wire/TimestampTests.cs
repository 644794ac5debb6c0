using System.Net;
using System.Net.Sockets;
using Inetkit.Demo.Wire;
using Inetkit.Demo.Wire.Internal;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>A packet's time is when the kernel took it in, not when the capture got round to reading it.</summary>
public sealed class TimestampTests
{
    [Fact]
    public async Task FrameReadLate_CarriesTheKernelsTime_AsThePacketDoes()
    {
        using var timeout = TestTimeout.Create();
        using Socket sender = Net.Udp(AddressFamily.InterNetwork);
        using Socket receiver = Net.Udp(AddressFamily.InterNetwork);
        var to = (IPEndPoint)receiver.LocalEndPoint!;
        // Open first: it waits until the kernel stamps frames as they come in, and keeps it so while open.
        await using LoopbackCapture capture = Captures.Open(to.Port);
        using PacketSocket socket = PacketSocket.OpenLoopback(LoopbackFilter.Compile([to.Port]));

        await sender.SendToAsync("late"u8.ToArray(), to, timeout.Token);
        DateTimeOffset sent = DateTimeOffset.UtcNow;
        CapturedFrame frame = ReadFrame(socket, to);
        List<WirePacket> packets = await Captures.SinceLastAsync(capture, timeout.Token);

        Assert.True(socket.KernelTimestamps);
        // Read after the send returned: a time taken at the read would be later.
        Assert.True(frame.At < sent, $"{frame.At:O} is not before {sent:O}");
        Assert.Equal(frame.At, Assert.Single(packets).At);
    }

    /// <summary>The datagram's frame: the filter lets any ICMP through too, and other tests' may come first.</summary>
    private static CapturedFrame ReadFrame(PacketSocket socket, IPEndPoint to)
    {
        var buffer = new byte[PacketSocket.SnapLength];
        while (true)
        {
            Assert.True(socket.WaitReadable(TestTimeout.Bound), "no frame came");
            if (socket.TryRead(buffer, out CapturedFrame frame) && !frame.Outgoing && FrameDissector.Dissect(buffer, frame)?.Packet.Destination.Equals(to) == true)
            {
                return frame;
            }
        }
    }
}
