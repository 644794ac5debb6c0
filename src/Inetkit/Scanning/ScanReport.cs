using Inetkit.Protocol;

namespace Inetkit.Scanning;

/// <summary>What a scan found, host by host, and how it went.</summary>
public sealed class ScanReport
{
    internal ScanReport(ScanPlan plan, IReadOnlyList<HostReport> hosts, DateTimeOffset started, DateTimeOffset finished, long probes, bool complete, IReadOnlyList<string> notices)
    {
        Plan = plan;
        Hosts = hosts;
        Started = started;
        Finished = finished;
        Probes = probes;
        Complete = complete;
        Notices = notices;
    }

    /// <summary>What was asked for.</summary>
    public ScanPlan Plan { get; }

    /// <summary>One report per host, in the plan's order.</summary>
    public IReadOnlyList<HostReport> Hosts { get; }

    /// <summary>When the first probe went out.</summary>
    public DateTimeOffset Started { get; }

    /// <summary>When the last answer came in (or the scan was stopped).</summary>
    public DateTimeOffset Finished { get; }

    /// <summary>Wall time.</summary>
    public TimeSpan Elapsed => Finished - Started;

    /// <summary>Tries sent, retries included.</summary>
    public long Probes { get; }

    /// <summary>Ports with a result, all hosts together.</summary>
    public long PortsScanned => Hosts.Sum(h => (long)h.Total);

    /// <summary>False if the scan was stopped before every port had a result.</summary>
    public bool Complete { get; }

    /// <summary>Things the reader must know to trust the figures: back-offs, pacing, ICMP limits.</summary>
    public IReadOnlyList<string> Notices { get; }

    /// <summary>The written authorization the scan ran under; null for a loopback-only scan.</summary>
    public ReportAuthorization? Authorization
    {
        get => _authorization ?? (Plan.Scope is { } scope ? new ReportAuthorization(scope.AuthorizedBy, scope.Reference, scope.Expires) : null);
        init => _authorization = value;
    }

    private readonly ReportAuthorization? _authorization;

    /// <summary>True when every port's result was kept (<c>--show-closed</c>), so a writer may list every state.</summary>
    public bool KeptAll { get; init; }

    /// <summary>For a merged report: the reports it was made from, in shard order; empty for a scan's own report.</summary>
    public IReadOnlyList<ReportSource> Sources { get; init; } = [];

    /// <summary>For a merge with <c>--partial</c>: the shards that were not there (the report is then incomplete).</summary>
    public IReadOnlyList<ScanShard> MissingShards { get; init; } = [];
}

/// <summary>The scope a scan ran under, as a report records it: who signed off, the letter or ticket, its last day.</summary>
public sealed record ReportAuthorization(string AuthorizedBy, string Reference, DateOnly Expires);

/// <summary>One report a merged report was made from: its file, the shard it holds, and whether that scan finished.</summary>
public sealed record ReportSource(string File, ScanShard Shard, bool Complete);

/// <summary>
/// One host's ports. Open and open|filtered ports are always kept; closed and filtered ones are counted by protocol
/// and reason, and the first few kept so that a short list can still be shown port by port (nmap lists a state of up
/// to 25 ports and summarises a larger one). With <c>keepAll</c> every port is kept.
/// </summary>
public sealed class HostReport
{
    // Created on the first result: a scan of a million addresses keeps a million of these, most of them silent.
    private readonly Lock _gate = new();
    private List<PortResult>? _kept;
    private Dictionary<(PortState, Transport, string), int>? _counts;
    private Dictionary<PortState, int>? _keptByState;
    private readonly bool _keepAll;

    internal HostReport(ScanHost host, bool keepAll)
    {
        Host = host;
        _keepAll = keepAll;
    }

    /// <summary>Sample kept of each summarised state: one more than nmap lists, so a writer can tell "few" from "many".</summary>
    public const int ListLimit = 25;

    /// <summary>The host.</summary>
    public ScanHost Host { get; }

    /// <summary>True if the host itself answered (a connect, a refusal, a reply, an ICMP port unreachable); loopback always is.</summary>
    public bool IsUp => Host.IsLoopback || UpReason is not null;

    /// <summary>nmap's reason for "up": localhost-response on loopback, else the first answer's reason; null while nothing answered.</summary>
    public string? UpReason { get; private set; }

    /// <summary>When this host's first result came in.</summary>
    public DateTimeOffset? Started { get; private set; }

    /// <summary>When its last came in.</summary>
    public DateTimeOffset? Finished { get; private set; }

    /// <summary>Ports with a result.</summary>
    public int Total { get; private set; }

    /// <summary>Ports kept, by protocol (TCP first) and number.</summary>
    public IReadOnlyList<PortResult> Ports
    {
        get
        {
            lock (_gate)
            {
                return (_kept ?? []).OrderBy(p => p.Protocol == Transport.Tcp ? 0 : 1).ThenBy(p => p.Port).ToList();
            }
        }
    }

    /// <summary>How many ports are in <paramref name="state"/>, over <paramref name="protocol"/> or both.</summary>
    public int Count(PortState state, Transport? protocol = null)
    {
        lock (_gate)
        {
            return (_counts ?? []).Where(c => c.Key.Item1 == state && (protocol is null || c.Key.Item2 == protocol)).Sum(c => c.Value);
        }
    }

    /// <summary>Counts of <paramref name="state"/> by protocol and reason, largest first.</summary>
    public IReadOnlyList<(Transport Protocol, string Reason, int Count)> Reasons(PortState state)
    {
        lock (_gate)
        {
            return (_counts ?? []).Where(c => c.Key.Item1 == state).Select(c => (c.Key.Item2, c.Key.Item3, c.Value)).OrderByDescending(c => c.Value).ThenBy(c => c.Item1).ToList();
        }
    }

    /// <summary>True when every port in <paramref name="state"/> is among <see cref="Ports"/>.</summary>
    public bool AllKept(PortState state)
    {
        lock (_gate)
        {
            return (_keptByState?.GetValueOrDefault(state) ?? 0) == (_counts ?? []).Where(c => c.Key.Item1 == state).Sum(c => c.Value);
        }
    }

    /// <summary>Ports a report summarised (counted by state, protocol and reason, not listed): a report read back.</summary>
    internal void AddCounted(PortState state, Transport protocol, string reason, int count)
    {
        lock (_gate)
        {
            _counts ??= [];
            (PortState, Transport, string) key = (state, protocol, reason);
            _counts[key] = _counts.GetValueOrDefault(key) + count;
            Total += count;
        }
    }

    /// <summary>What a report read back says of the host itself: why it is up (null: as its ports say), and when it was scanned (null: unknown).</summary>
    internal void Restore(string? upReason, DateTimeOffset? started, DateTimeOffset? finished)
    {
        lock (_gate)
        {
            UpReason = upReason ?? UpReason;
            Started = started;
            Finished = finished;
        }
    }

    /// <summary>
    /// Adds another share of this host's ports (a shard's): counts add up, kept ports are kept by the same rule as a scan
    /// keeps them, and the host is up for the reason of the first share absorbed that saw it up.
    /// </summary>
    internal void Absorb(HostReport other)
    {
        List<PortResult> ports = [.. other.Ports];
        lock (other._gate)
        {
            lock (_gate)
            {
                _kept ??= [];
                _counts ??= [];
                _keptByState ??= [];
                foreach (KeyValuePair<(PortState, Transport, string), int> count in other._counts ?? [])
                {
                    _counts[count.Key] = _counts.GetValueOrDefault(count.Key) + count.Value;
                }
                foreach (PortResult port in ports)
                {
                    Keep(port);
                }
                Total += other.Total;
                UpReason ??= other.UpReason;
                Started = Earliest(Started, other.Started);
                Finished = Latest(Finished, other.Finished);
            }
        }
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    internal void Add(PortResult result, DateTimeOffset at)
    {
        lock (_gate)
        {
            _kept ??= [];
            _counts ??= [];
            _keptByState ??= [];
            Started ??= at;
            Finished = at;
            Total++;
            (PortState, Transport, string) key = (result.State, result.Protocol, result.Reason);
            _counts[key] = _counts.GetValueOrDefault(key) + 1;
            // Only the host itself proves it is up: a connection, a refusal, a reply, its port unreachable. A missing
            // route or a router's unreachable says nothing about it.
            if (UpReason is null && result.State is PortState.Open or PortState.Closed)
            {
                UpReason = result.Reason;
            }
            Keep(result);
        }
    }

    // Called under the lock.
    private void Keep(PortResult result)
    {
        _kept ??= [];
        _keptByState ??= [];
        int kept = _keptByState.GetValueOrDefault(result.State);
        if (_keepAll || result.State is PortState.Open or PortState.OpenFiltered || kept <= ListLimit)
        {
            _kept.Add(result);
            _keptByState[result.State] = kept + 1;
        }
    }
}
