using System.Net;
using System.Net.Sockets;
using Inetkit.Demo.Wire;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>A packet's time is when the kernel took it in, not when the capture got round to reading it.</summary>
public sealed class TimestampTests
{
    [Fact]
    public async Task PacketReadLate_CarriesTheKernelsTime()
    {
        using var timeout = TestTimeout.Create();
        using Socket sender = Net.Udp(AddressFamily.InterNetwork);
        using Socket receiver = Net.Udp(AddressFamily.InterNetwork);
        var to = (IPEndPoint)receiver.LocalEndPoint!;
        int from = ((IPEndPoint)sender.LocalEndPoint!).Port;
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        // The filter runs on the capture's thread: holding it on the first datagram keeps the second unread.
        await using LoopbackCapture capture = Captures.Keeping((source, destination) =>
        {
            if (source.Port != from || !destination.Equals(to))
            {
                return false;
            }
            if (holding.TrySetResult())
            {
                release.Wait(timeout.Token);
            }
            return true;
        });

        await sender.SendToAsync("first"u8.ToArray(), to, timeout.Token);
        await holding.Task.WaitAsync(timeout.Token);
        DateTimeOffset before = DateTimeOffset.UtcNow;
        await sender.SendToAsync("second"u8.ToArray(), to, timeout.Token);
        DateTimeOffset sent = DateTimeOffset.UtcNow;
        release.Set();
        List<WirePacket> packets = await Captures.SinceLastAsync(capture, timeout.Token);

        Assert.Equal(2, packets.Count);
        Assert.InRange(packets[1].At, before, sent);
    }
}
