using System.Net;
using Inetkit.Demo.Wire;

namespace Inetkit.Tests.Demo.Wire;

/// <summary>Opening a capture for a test, and reading what it saw between two socket calls.</summary>
internal static class Captures
{
    /// <summary>
    /// A capture of the packets with one of <paramref name="ports"/> at either end (the test's own sockets, all
    /// bound to port 0 first). Skipped without privilege; as root, a capture that cannot open fails the test.
    /// </summary>
    public static LoopbackCapture Open(params int[] ports)
    {
        if (LoopbackCapture.TryOpen(ports, out LoopbackCapture? capture, out string whyNot))
        {
            return capture;
        }
        Assert.SkipWhen(Environment.UserName != "root", whyNot);
        Assert.Fail($"as root: {whyNot}");
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Everything sent on loopback up to now that the capture keeps, and no more.</summary>
    public static async Task<List<WirePacket>> SinceLastAsync(LoopbackCapture capture, CancellationToken cancellationToken)
    {
        await capture.SyncAsync(cancellationToken);
        var packets = new List<WirePacket>();
        while (capture.Packets.TryRead(out WirePacket? packet))
        {
            packets.Add(packet);
        }
        return packets;
    }

    /// <summary>Waits for a packet the kernel sends by itself (an ACK after a FIN), then takes everything up to now.</summary>
    public static async Task<List<WirePacket>> UntilAsync(LoopbackCapture capture, Func<WirePacket, bool> last, CancellationToken cancellationToken)
    {
        var packets = new List<WirePacket>();
        while (true)
        {
            WirePacket packet = await capture.Packets.ReadAsync(cancellationToken);
            packets.Add(packet);
            if (last(packet))
            {
                packets.AddRange(await SinceLastAsync(capture, cancellationToken));
                return packets;
            }
        }
    }

    public static string Show(IEnumerable<WirePacket> packets) => string.Join("\n", packets.Select(p => p.Describe()));

    public static bool Between(this WirePacket packet, IPEndPoint from, IPEndPoint to) => packet.Source.Equals(from) && packet.Destination.Equals(to);
}
