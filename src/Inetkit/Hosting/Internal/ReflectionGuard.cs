namespace Inetkit.Hosting.Internal;

/// <summary>
/// Stops the loop that the port rules cannot see: two services on ports outside every map that answer each other
/// (an echo server on a custom port and another, a chargen and an echo, or two daytime or time servers answering
/// alike within the same second), set off by one spoofed datagram. Each then receives, byte for byte, what it sent
/// the other a moment ago. A source that sends our last reply to it straight
/// back, <see cref="BouncesToMute"/> times in a row, is a reflector: it gets no answer for <see cref="MuteFor"/>,
/// which breaks the loop, since a loop is one datagram going round. Applied beyond loopback only: on loopback a
/// spoofed source needs root, and test fixtures and benchmarks send identical payloads on purpose.
/// </summary>
internal sealed class ReflectionGuard(TimeProvider clock)
{
    /// <summary>Consecutive bounces that make a reflector: one or two can be a client repeating itself.</summary>
    public const int BouncesToMute = 3;

    /// <summary>How soon after our reply a bounce must come: a loop turns in milliseconds.</summary>
    public static readonly TimeSpan BounceWindow = TimeSpan.FromSeconds(2);

    /// <summary>How long a reflector gets no answer.</summary>
    public static readonly TimeSpan MuteFor = TimeSpan.FromSeconds(60);

    private readonly Lock _lock = new();
    private readonly Dictionary<SourceAddress, Peer> _peers = [];
    private long _nextSweep;

    /// <summary>True if <paramref name="request"/> from <paramref name="source"/> must go unanswered as a reflection.</summary>
    public bool IsReflection(SourceAddress source, ReadOnlySpan<byte> request)
    {
        long now = clock.GetTimestamp();
        int hash = Hash(request);
        lock (_lock)
        {
            if (!_peers.TryGetValue(source, out Peer peer))
            {
                return false;
            }
            if (peer.MutedUntil > now)
            {
                return true;
            }
            bool bounce = peer.ReplyLength == request.Length && peer.ReplyHash == hash && clock.GetElapsedTime(peer.RepliedAt, now) <= BounceWindow;
            peer.Bounces = bounce ? peer.Bounces + 1 : 0;
            if (peer.Bounces >= BouncesToMute)
            {
                peer.MutedUntil = now + (long)(MuteFor.TotalSeconds * clock.TimestampFrequency);
                peer.Bounces = 0;
            }
            _peers[source] = peer;
            return peer.MutedUntil > now;
        }
    }

    /// <summary>Remembers what was sent to <paramref name="destination"/>, to know it if it comes straight back.</summary>
    public void Replied(SourceAddress destination, ReadOnlySpan<byte> reply)
    {
        long now = clock.GetTimestamp();
        int hash = Hash(reply);
        lock (_lock)
        {
            _peers.TryGetValue(destination, out Peer peer);
            if (peer.RepliedAt == 0 && _peers.Count >= UdpSourcePolicy.MaxTrackedSources)
            {
                // At most one sweep a second, as in the rate table: a sweep walks the whole table.
                if (now >= _nextSweep)
                {
                    _nextSweep = now + clock.TimestampFrequency;
                    Sweep(now);
                }
                if (_peers.Count >= UdpSourcePolicy.MaxTrackedSources)
                {
                    // A spoofed flood fills the table with one-off sources: a new one is then not tracked, at the
                    // cost of missing a loop for as long as the flood lasts (the rate limits still bound it).
                    return;
                }
            }
            peer.ReplyHash = hash;
            peer.ReplyLength = reply.Length;
            peer.RepliedAt = now;
            _peers[destination] = peer;
        }
    }

    public int Tracked
    {
        get
        {
            lock (_lock)
            {
                return _peers.Count;
            }
        }
    }

    private void Sweep(long now)
    {
        foreach (var (source, peer) in _peers)
        {
            if (peer.MutedUntil <= now && clock.GetElapsedTime(peer.RepliedAt, now) > BounceWindow)
            {
                _peers.Remove(source);
            }
        }
    }

    private static int Hash(ReadOnlySpan<byte> data)
    {
        var hash = new HashCode();
        hash.AddBytes(data);
        return hash.ToHashCode();
    }

    private struct Peer
    {
        public int ReplyHash;
        public int ReplyLength;
        public long RepliedAt;
        public int Bounces;
        public long MutedUntil;
    }
}
