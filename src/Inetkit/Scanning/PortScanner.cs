using System.Net;
using Inetkit.Protocol;
using Inetkit.Scanning.Internal;
using Inetkit.Scanning.Internal.Linux;
using Inetkit.Threading;

namespace Inetkit.Scanning;

/// <summary>
/// Runs a <see cref="ScanPlan"/>: TCP connect (or SYN, <see cref="ScanPlan.TcpScan"/>) and UDP probes, <see cref="ScanOptions.Concurrency"/> in flight, paced to
/// <see cref="ScanOptions.Rate"/>. Every TCP probe is closed with linger 0, so an open port leaves no TIME_WAIT
/// behind; a connection to itself is closed, never open; every UDP try has a socket of its own so that the kernel
/// reports that port's ICMP error on it. Running out of descriptors or local ports lowers the concurrency with a
/// notice and tries the same port again: it never turns a port "filtered".
/// </summary>
public sealed class PortScanner
{
    // How long a probe that found no descriptor or local port waits before it tries again, and how long that may go
    // on before the scan gives up: long enough for other probes to finish and free what it needs.
    private static readonly TimeSpan ResourceBackoff = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ResourceGiveUp = TimeSpan.FromSeconds(30);

    // Probes in a row that completed at once before a lane yields its thread (see RunLaneAsync).
    private const int LaneStreak = 64;

    private readonly ScanOptions _options;
    private readonly TimeProvider _time;
    private ScanRun? _run;

    /// <summary>Creates a scanner.</summary>
    public PortScanner(ScanOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Concurrency < 1 || options.Retries < 0 || options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "concurrency must be at least 1, retries at least 0, the timeout positive");
        }
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How far the running scan is; all zero before it starts.</summary>
    public ScanProgress Progress => _run?.Progress(_time) ?? default;

    /// <summary>Throws <see cref="RawSocketPermissionException"/> unless a SYN scan can run here (Linux, root or CAP_NET_RAW); sends nothing.</summary>
    public static void CheckSynPrivilege() => SynScanEngine.CheckPrivilege();

    /// <summary>Scans one port once (with retries): a plan of one.</summary>
    public async Task<PortResult> ProbeAsync(IPAddress address, Transport protocol, int port, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var plan = new ScanPlan([new ScanHost(address)], protocol == Transport.Tcp ? [port] : [], protocol == Transport.Udp ? [port] : []);
        ScanReport report = await RunAsync(plan, keepAll: true, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return report.Hosts[0].Ports.Single();
    }

    /// <summary>Runs <paramref name="plan"/>. Cancelling stops it early; the report then says it is not complete.</summary>
    /// <param name="plan">What to scan.</param>
    /// <param name="keepAll">Keep every port's result (<c>--show-closed</c>), not only the open ones and a sample of the rest.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <exception cref="ScanResourceException">No descriptor or local port came free for 30 s.</exception>
    /// <exception cref="RawSocketPermissionException">A SYN scan (<see cref="ScanPlan.TcpScan"/>) without root or CAP_NET_RAW; nothing was sent.</exception>
    /// <exception cref="UnauthorizedScanException">A host beyond loopback that the plan's scope does not cover (or no scope, or an expired one); nothing was sent.</exception>
    public async Task<ScanReport> RunAsync(ScanPlan plan, bool keepAll = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        // The library holds the rule as firmly as the command: beyond loopback, only inside an unexpired scope.
        DateTimeOffset now = _time.GetUtcNow();
        foreach (ScanHost host in plan.Hosts.Where(h => !h.IsLoopback))
        {
            ScanAuthorization.CheckResolved(host.Name ?? host.Address.ToString(), [host.Address], plan.Scope, now);
        }
        if (plan.TcpScan == TcpScanType.Syn && plan.TcpPorts.Count > 0)
        {
            SynScanEngine.CheckPrivilege();
        }
        var hosts = plan.Hosts.Select(h => new HostReport(h, keepAll)).ToArray();
        var budgetNotices = new List<string>();
        ScanOptions options = _options;
        if (DescriptorBudget.Available() is { } budget && budget < options.Concurrency)
        {
            budgetNotices.Add($"Concurrency lowered from {options.Concurrency:N0} to {budget:N0} to stay within the open-file limit (ulimit -n); raise it for a faster scan.");
            options = options with { Concurrency = budget };
        }
        bool paceUdp = _options.PaceUdpToIcmpLimit && plan.UdpPorts.Count > 0 && !plan.IsLoopbackOnly;
        var run = new ScanRun(plan, hosts, new ScanPacer(options.Rate, paceUdp, _time), options.Concurrency, _time.GetUtcNow(), _time.GetTimestamp(), cancellationToken);
        _run = run;
        if (plan.TcpScan == TcpScanType.Syn && plan.TcpPorts.Count > 0)
        {
            // TCP on the SYN engine, and any UDP on lanes beside it (-sS -sU), each taking its own protocol's probes.
            await Task.WhenAll(SynScanEngine.RunAsync(run, options, _time), plan.UdpPorts.Count > 0 ? RunLanesAsync(run, options, Transport.Udp) : Task.CompletedTask);
        }
        else if (UsesEpollEngine(plan))
        {
            await EpollConnectEngine.RunAsync(run, options, _time);
        }
        else
        {
            await RunLanesAsync(run, options, null);
        }
        var notices = new List<string>(budgetNotices.Concat(run.Notices));
        if (paceUdp)
        {
            notices.Add($"UDP beyond loopback was paced to {ScanOptions.IcmpBurst} probes, then 1 a second, per host: the rate at which a Linux host answers closed ports (its ICMP limit). Faster, closed ports would go silent and look open|filtered.");
        }
        else if (plan.UdpPorts.Count > 0 && !plan.IsLoopbackOnly)
        {
            notices.Add("UDP beyond loopback was sent faster than a Linux host answers closed ports (about 1 a second after a burst of 6): some closed ports may be shown open|filtered.");
        }
        return new ScanReport(plan, hosts, run.Started, _time.GetUtcNow(), run.ProbesSent, run.IsComplete, notices) { KeptAll = keepAll };
    }

    /// <summary>TCP-only scans without banners run on Linux's own engine; UDP, banners and other systems run on lanes of socket operations.</summary>
    private bool UsesEpollEngine(ScanPlan plan) => EpollConnectEngine.IsSupported && !_options.Portable && _options.Trace is null && _options.TraceEvents is null && plan.UdpPorts.Count == 0 && !_options.Banner;

    private async Task RunLanesAsync(ScanRun run, ScanOptions options, Transport? only)
    {
        var lanes = new ProbeLane[(int)Math.Min(options.Concurrency, Math.Max(1, run.Plan.Positions))];
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = new ProbeLane(i);
        }
        TimeSpan sweep = TimeSpan.FromMilliseconds(Math.Clamp(Math.Min(options.Timeout.TotalMilliseconds, options.BannerWait.TotalMilliseconds) / 10, 5, 100));
        using ITimer sweeper = _time.CreateTimer(_ => ExpireLate(lanes), null, sweep, sweep);
        try
        {
            await Task.WhenAll(lanes.Select(lane => Task.Run(() => RunLaneAsync(lane, run, only), CancellationToken.None)));
        }
        finally
        {
            foreach (ProbeLane lane in lanes)
            {
                lane.Dispose();
            }
        }
    }

    private void ExpireLate(ProbeLane[] lanes)
    {
        long now = _time.GetTimestamp();
        foreach (ProbeLane lane in lanes)
        {
            lane.Expire(now);
        }
    }

    private async Task RunLaneAsync(ProbeLane lane, ScanRun run, Transport? only)
    {
        // A UDP probe of a closed loopback port is answered before sendto() returns (the ICMP error is already on the
        // socket), so a lane of them never waits: after this many probes in a row done at once, the lane gives its
        // thread back, or the lanes would keep every pool thread and starve the deadline sweeper and the progress
        // line (issue #11: the same starvation as the accept loop's).
        var streak = new SynchronousStreak(LaneStreak);
        try
        {
            while (lane.Index < run.AllowedLanes && (only is { } protocol ? run.TryTake(protocol, out Probe probe) : run.TryTake(out probe)))
            {
                ValueTask<PortResult> probing = ProbeAsync(lane, probe, run);
                bool atOnce = probing.IsCompleted;
                PortResult result = await probing;
                run.Record(probe.Host, result, _time.GetUtcNow());
                if (streak.ShouldYield(atOnce))
                {
                    await Task.Yield();
                }
            }
        }
        catch (OperationCanceledException) when (run.Cancellation.IsCancellationRequested)
        {
            // Stopped by the user: the report says the scan is incomplete.
        }
    }

    private async ValueTask<PortResult> ProbeAsync(ProbeLane lane, Probe probe, ScanRun run)
    {
        ScanHost host = run.Plan.Hosts[probe.Host];
        var target = new IPEndPoint(host.Address, probe.Port);
        bool udpBeyondLoopback = probe.Protocol == Transport.Udp && !host.IsLoopback;
        long shortSince = 0;
        for (int attempt = 0; ; attempt++)
        {
            await run.Pacer.WaitAsync(probe.Host, udpBeyondLoopback, run.Cancellation);
            run.CountProbe();
            ProbeOutcome outcome = probe.Protocol == Transport.Tcp
                ? await lane.ConnectAsync(target, _options, _time)
                : await lane.DatagramAsync(target, UdpProbes.For(probe.Port), _options, _time);
            if (outcome.IsResourceShortage)
            {
                shortSince = shortSince == 0 ? _time.GetTimestamp() : shortSince;
                if (_time.GetElapsedTime(shortSince) > ResourceGiveUp)
                {
                    throw new ScanResourceException($"no file descriptor or local port came free for {ResourceGiveUp.TotalSeconds:0} s while probing {target}: raise the limit (ulimit -n) or lower --concurrency");
                }
                run.OnResourceShortage(_time);
                await Task.Delay(ResourceBackoff, _time, run.Cancellation);
                attempt--;
                continue;
            }
            shortSince = 0;
            if (!outcome.IsSilent || attempt >= _options.Retries)
            {
                return new PortResult(host.Address, probe.Protocol, probe.Port, outcome.State, outcome.Reason) { Banner = outcome.Banner };
            }
        }
    }
}

/// <summary>A scan's progress: positions done of the total (a shard skips others' positions, which count as done), open ports so far.</summary>
public readonly record struct ScanProgress(long Done, long Total, int Open, long Probes, TimeSpan Elapsed)
{
    /// <summary>Positions done per second so far.</summary>
    public double Rate => Elapsed > TimeSpan.Zero ? Done / Elapsed.TotalSeconds : 0;

    /// <summary>Time left at the rate so far; null until there is a rate.</summary>
    public TimeSpan? Remaining => Rate > 0 ? TimeSpan.FromSeconds((Total - Done) / Rate) : null;
}

/// <summary>A SYN scan asked of a process that may not open raw sockets.</summary>
public sealed class RawSocketPermissionException() : Exception("-sS (SYN scan) needs root or CAP_NET_RAW for its raw sockets; -sT (connect scan) needs neither");

/// <summary>The scan could not get a file descriptor or local port for a long time.</summary>
public sealed class ScanResourceException(string message) : Exception(message);
