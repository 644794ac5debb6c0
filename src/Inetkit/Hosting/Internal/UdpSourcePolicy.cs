using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// Decides, per datagram, whether to answer and how long the answer may be: the loop guard (CVE-1999-0103,
/// CVE-2024-2169), the spoofed-source guard, per-source and global rate limits, and the no-amplification rule.
/// Thread-safe; the common loopback case takes no lock.
/// </summary>
internal sealed class UdpSourcePolicy
{
    // Bounds the per-source table under a spoofed flood: past this, idle (full) buckets are swept, and sources
    // that still find no room share one overflow bucket, so memory stays fixed whatever the attacker varies.
    internal const int MaxTrackedSources = 65_536;

    private readonly bool[] _servicePorts = new bool[65536];
    private readonly HashSet<UInt128> _directedBroadcasts;
    private readonly double? _sourceRate;
    private readonly double? _globalRate;
    private readonly bool _allowAmplification;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, TokenBucket> _sources = [];
    private readonly TokenBucket? _overflow;
    private readonly TokenBucket? _global;
    private readonly bool _limitLoopback;
    private readonly ReflectionGuard _reflections;
    private long _nextSweep;

    public UdpSourcePolicy(IEnumerable<int> servicePorts, double? sourceRate, double? globalRate, bool allowAmplification, TimeProvider clock, IEnumerable<IPAddress>? directedBroadcasts = null)
    {
        foreach (int port in servicePorts)
        {
            _servicePorts[port] = true;
        }
        _clock = clock;
        _reflections = new ReflectionGuard(clock);
        _allowAmplification = allowAmplification;
        _limitLoopback = sourceRate is not null || globalRate is not null;
        _sourceRate = sourceRate;
        _globalRate = globalRate;
        long now = clock.GetTimestamp();
        double effectiveSource = sourceRate ?? InetServerOptions.DefaultUdpRate;
        double effectiveGlobal = globalRate ?? InetServerOptions.DefaultUdpGlobalRate;
        _overflow = new TokenBucket(effectiveSource, TokenBucket.BurstFor(effectiveSource), now);
        _global = new TokenBucket(effectiveGlobal, TokenBucket.BurstFor(effectiveGlobal), now);
        _directedBroadcasts = [.. (directedBroadcasts ?? LocalDirectedBroadcasts()).Select(a => SourceAddress.From(new IPEndPoint(a, 0)).Address)];
    }

    public int TrackedSources
    {
        get
        {
            lock (_lock)
            {
                return _sources.Count;
            }
        }
    }

    /// <summary>Sources whose last reply is remembered by the reflection guard (bounded like the rate table).</summary>
    public int TrackedReplies => _reflections.Tracked;

    /// <summary>The verdict for <paramref name="request"/>: the rules below, then, beyond loopback, the reflection guard.</summary>
    public UdpVerdict Check(SourceAddress source, ReadOnlySpan<byte> request, out int maxReply)
    {
        UdpVerdict verdict = Check(source, request.Length, out maxReply);
        if (verdict == UdpVerdict.Accept && !source.IsLoopback && _reflections.IsReflection(source, request))
        {
            maxReply = 0;
            return UdpVerdict.ReflectedReply;
        }
        return verdict;
    }

    /// <summary>Tells the reflection guard what was sent to <paramref name="destination"/> (beyond loopback; a no-op on it).</summary>
    public void Replied(SourceAddress destination, ReadOnlySpan<byte> reply)
    {
        if (!destination.IsLoopback)
        {
            _reflections.Replied(destination, reply);
        }
    }

    /// <summary>
    /// The verdict for a datagram of <paramref name="requestLength"/> bytes from <paramref name="source"/>, and
    /// the longest reply allowed if it is accepted.
    /// </summary>
    public UdpVerdict Check(SourceAddress source, int requestLength, out int maxReply)
    {
        maxReply = 0;
        if (source.Port < 1024)
        {
            return UdpVerdict.ReservedSourcePort;
        }
        if (_servicePorts[source.Port])
        {
            return UdpVerdict.ServiceSourcePort;
        }
        if (source.IsUnspecified || source.IsMulticast || source.IsLimitedBroadcast || _directedBroadcasts.Contains(source.Address))
        {
            return UdpVerdict.InvalidSourceAddress;
        }
        bool loopback = source.IsLoopback;
        if (!loopback || _limitLoopback)
        {
            UdpVerdict limited = CheckRates(source, loopback);
            if (limited != UdpVerdict.Accept)
            {
                return limited;
            }
        }
        maxReply = loopback || _allowAmplification ? int.MaxValue : requestLength;
        return UdpVerdict.Accept;
    }

    private UdpVerdict CheckRates(SourceAddress source, bool loopback)
    {
        long now = _clock.GetTimestamp();
        long frequency = _clock.TimestampFrequency;
        // Loopback sources are limited only by rates given explicitly; others by the defaults too.
        bool applySource = !loopback || _sourceRate is not null;
        bool applyGlobal = !loopback || _globalRate is not null;
        lock (_lock)
        {
            if (applySource && !SourceBucket(source, now).TryTake(now, frequency))
            {
                return UdpVerdict.SourceRateLimited;
            }
            if (applyGlobal && !_global!.TryTake(now, frequency))
            {
                return UdpVerdict.GlobalRateLimited;
            }
        }
        return UdpVerdict.Accept;
    }

    private TokenBucket SourceBucket(SourceAddress source, long now)
    {
        if (_sources.TryGetValue(source.Address, out TokenBucket? bucket))
        {
            return bucket;
        }
        if (_sources.Count >= MaxTrackedSources)
        {
            // At most one sweep a second: a sweep walks the whole table, and a spoofed flood of new sources would
            // otherwise pay for one per datagram (measured: 1.7 ms each, under 600 datagrams a second).
            long frequency = _clock.TimestampFrequency;
            if (now >= _nextSweep)
            {
                _nextSweep = now + frequency;
                foreach (var (key, value) in _sources)
                {
                    if (value.IsFullAt(now, frequency))
                    {
                        _sources.Remove(key);
                    }
                }
            }
            if (_sources.Count >= MaxTrackedSources)
            {
                return _overflow!;
            }
        }
        double rate = _sourceRate ?? InetServerOptions.DefaultUdpRate;
        bucket = new TokenBucket(rate, TokenBucket.BurstFor(rate), now);
        _sources[source.Address] = bucket;
        return bucket;
    }

    /// <summary>This machine's IPv4 subnet broadcast addresses: a datagram "from" one is spoofed.</summary>
    private static List<IPAddress> LocalDirectedBroadcasts()
    {
        var result = new List<IPAddress>();
        try
        {
            foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily != AddressFamily.InterNetwork || unicast.PrefixLength is <= 0 or >= 31)
                    {
                        continue;
                    }
                    uint address = BitConverter.ToUInt32([.. unicast.Address.GetAddressBytes().Reverse()]);
                    uint mask = uint.MaxValue << (32 - unicast.PrefixLength);
                    uint broadcast = address | ~mask;
                    result.Add(new IPAddress([(byte)(broadcast >> 24), (byte)(broadcast >> 16), (byte)(broadcast >> 8), (byte)broadcast]));
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Without interface data only the limited broadcast address is recognised; the rest of the policy holds.
        }
        return result;
    }
}
