using Inetkit.Hosting.Internal.Linux;
using Inetkit.Interop.Linux;

namespace Inetkit.Proxy.Internal.Linux;

/// <summary>
/// The loops every proxy of the process relays its unimpaired TCP connections on, started with the first: as many
/// as the serve host's stream loops (half the CPUs), shared as the .NET socket engine is, so that forty proxies of
/// the control API cost no more threads than one.
/// </summary>
internal static class EpollRelayLoops
{
    // As the proxy's .NET pumps read, and as the C relay does (bench/relays/tcp_relay.c).
    private const int BufferSize = 64 * 1024;

    private static readonly Lazy<EpollLoop[]> s_loops = new(Create);
    private static int s_next;

    /// <summary>The next loop in turn, or null where there are none (another system, INETKIT_PORTABLE_TCP=1, no epoll set, a failed loop).</summary>
    public static EpollLoop? Next()
    {
        EpollLoop[] loops = s_loops.Value;
        if (loops.Length == 0)
        {
            return null;
        }
        EpollLoop loop = loops[(int)((uint)Interlocked.Increment(ref s_next) % (uint)loops.Length)];
        return loop.Broken ? null : loop;
    }

    // Asked once: where the loops are not supported there are none, and every connection goes to the pumps.
    private static EpollLoop[] Create()
    {
        var loops = new List<EpollLoop>();
        if (!EpollStreams.IsSupported)
        {
            return [];
        }
        for (int i = 0; i < EpollStreams.LoopCount; i++)
        {
            // A failed wait is a fault of ours; the loop says so where a broken tool is looked at first, and is passed over.
            if (EpollLoop.TryStart($"inetkit proxy relays {i}", BufferSize, m => Console.Error.WriteLine($"inetkit: proxy tcp relays: {m}")) is { } loop)
            {
                loops.Add(loop);
            }
        }
        return [.. loops];
    }
}
