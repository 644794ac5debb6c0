namespace Inetkit.Scanning;

/// <summary>How a scan runs. <see cref="For"/> gives the defaults: fast on loopback, polite toward anything else.</summary>
public sealed record ScanOptions
{
    /// <summary>How long one try waits for an answer: a connect, or a reply to a UDP probe.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Further tries for a port that stayed silent (TCP: filtered; UDP: open|filtered).</summary>
    public int Retries { get; init; } = 1;

    /// <summary>Probes in flight at once.</summary>
    public int Concurrency { get; init; } = 256;

    /// <summary>Probes started per second, all hosts together; null for no cap.</summary>
    public double? Rate { get; init; }

    /// <summary>
    /// UDP toward a host that is not loopback: after a burst of <see cref="IcmpBurst"/>, one probe per second per host,
    /// the pace at which a Linux host answers closed ports (its ICMP rate limit); faster, and closed ports go silent
    /// and look open|filtered. Applies on top of <see cref="Rate"/>; <c>inetkit scan</c> turns it off when the user gives
    /// <c>--rate</c>.
    /// </summary>
    public bool PaceUdpToIcmpLimit { get; init; } = true;

    /// <summary>Read what an open TCP service says first (its banner).</summary>
    public bool Banner { get; init; }

    /// <summary>How long to wait for a banner after the connect.</summary>
    public TimeSpan BannerWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Narrates every probe's socket calls (socket, connect, sendto, recvfrom, close) in the seed note's words, one line
    /// each; null for silence. Tracing runs the portable engine, whose calls are the ones narrated.
    /// </summary>
    public Action<string>? Trace { get; init; }

    /// <summary>
    /// If set, receives every socket call as a structured <see cref="Tracing.TraceEvent"/> (with the calls that wait,
    /// and the bytes moved): what <c>inetkit demo</c> draws. <see cref="Trace"/> and this may be set together.
    /// </summary>
    public Action<Tracing.TraceEvent>? TraceEvents { get; init; }

    /// <summary>Run TCP on the portable engine even where Linux's own is available (tests run both; so does INETKIT_PORTABLE_SCAN=1).</summary>
    internal bool Portable { get; init; }

    /// <summary>The burst of closed-port answers a Linux host gives before its ICMP rate limit (1/s) holds.</summary>
    public const int IcmpBurst = 6;

    /// <summary>Defaults for a plan: loopback-only scans go as fast as the kernel allows; others a few hundred probes a second.</summary>
    public static ScanOptions For(bool loopbackOnly) => loopbackOnly
        ? new ScanOptions { Timeout = TimeSpan.FromSeconds(1), Retries = 1, Concurrency = 256 }
        : new ScanOptions { Timeout = TimeSpan.FromMilliseconds(1500), Retries = 1, Concurrency = 100, Rate = 300 };
}
