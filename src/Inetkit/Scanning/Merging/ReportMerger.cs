using System.Globalization;
using System.Text.RegularExpressions;
using Inetkit.Scanning.Reports;

namespace Inetkit.Scanning.Merging;

/// <summary>What a merge makes: one report, and the command line it stands for (the shards' own, less <c>--shard</c>).</summary>
public sealed record MergedReport(ScanReport Report, string CommandLine);

/// <summary>
/// <c>inetkit merge</c>: the shards of one scan made into the report of the whole scan. Reports of different scans, a
/// shard given twice and (without <c>partial</c>) a missing shard are refused. A merged report may itself be merged
/// again: it stands for the shards it was made from, so a late shard can join a partial merge.
/// </summary>
public static partial class ReportMerger
{
    private const string MissingNotice = "Merged without ";

    /// <summary>Merges <paramref name="reports"/>.</summary>
    /// <exception cref="ReportMergeException">They are not the shards of one scan, one is there twice, or one is missing and <paramref name="partial"/> is false.</exception>
    public static MergedReport Merge(IReadOnlyList<ReadReport> reports, bool partial)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count == 0)
        {
            throw new ReportMergeException("no reports given: name the shards' reports (inetkit scan --shard I/N --format xml -o FILE writes one)");
        }
        ReadReport first = reports[0];
        foreach (ReadReport other in reports.Skip(1))
        {
            if (Difference(first, other) is { } difference)
            {
                throw new ReportMergeException($"{first.File} and {other.File} are reports of different scans: {difference}; merge only the shards of one scan");
            }
        }
        List<(ReadReport Report, ReportSource Source)> sources = [.. reports.SelectMany(r => Covered(r).Select(s => (r, s))).OrderBy(s => s.Item2.Shard.Index)];
        int count = sources[0].Source.Shard.Count;
        foreach (var twice in sources.GroupBy(s => s.Source.Shard.Index).Where(g => g.Count() > 1))
        {
            throw new ReportMergeException($"shard {twice.First().Source.Shard.ToText()} given twice ({string.Join(", ", twice.Select(s => s.Report.File).Distinct())}); give each shard once");
        }
        var missing = Enumerable.Range(1, count).Except(sources.Select(s => s.Source.Shard.Index)).Select(i => new ScanShard(i, count)).ToList();
        if (missing.Count > 0 && !partial)
        {
            throw new ReportMergeException($"{Shards(missing)} missing; give every shard's report, or merge what is there with --partial");
        }
        // A partial merge's own notice is made again here: the shard it missed may have come since.
        var notices = reports.SelectMany(r => r.Report.Notices).Where(n => !n.StartsWith(MissingNotice, StringComparison.Ordinal)).Distinct().ToList();
        if (missing.Count > 0)
        {
            notices.Add($"{MissingNotice}{Shards(missing)} (--partial): the ports in {(missing.Count == 1 ? "that shard" : "those shards")} have no result here.");
        }
        ScanPlan plan = first.Report.Plan;
        bool keptAll = reports.All(r => r.Report.KeptAll);
        var hosts = plan.Hosts.Select((host, i) => MergeHost(host, reports.Select(r => r.Report.Hosts[i]), keptAll)).ToList();
        var merged = new ScanReport(
            new ScanPlan(plan.Hosts, plan.TcpPorts, plan.UdpPorts) { TcpScan = plan.TcpScan },
            hosts, reports.Min(r => r.Report.Started), reports.Max(r => r.Report.Finished), reports.Sum(r => r.Report.Probes),
            missing.Count == 0 && sources.All(s => s.Source.Complete), notices)
        {
            KeptAll = keptAll,
            Authorization = reports.Select(r => r.Report.Authorization).FirstOrDefault(a => a is not null),
            Sources = sources.Select(s => s.Source).ToList(),
            MissingShards = missing,
        };
        return new MergedReport(merged, WithoutShard(first.CommandLine));
    }

    /// <summary>The shards a report holds: its own, or for a merged report those it was made from.</summary>
    private static IEnumerable<ReportSource> Covered(ReadReport report) =>
        report.Report.Sources.Count > 0 ? report.Report.Sources : [new ReportSource(report.File, report.Report.Plan.Shard, report.Report.Complete)];

    private static int ShardCount(ReadReport report) => Covered(report).First().Shard.Count;

    private static string? Difference(ReadReport a, ReadReport b)
    {
        ScanPlan x = a.Report.Plan, y = b.Report.Plan;
        if (!x.Hosts.SequenceEqual(y.Hosts))
        {
            return $"the targets differ ({Targets(x)} against {Targets(y)})";
        }
        if (!x.TcpPorts.SequenceEqual(y.TcpPorts) || !x.UdpPorts.SequenceEqual(y.UdpPorts))
        {
            return $"the ports differ ({Ports(x)} against {Ports(y)})";
        }
        if (x.TcpPorts.Count > 0 && x.TcpScan != y.TcpScan)
        {
            return $"the scan type differs ({x.TcpScan.Name()} against {y.TcpScan.Name()})";
        }
        int m = ShardCount(a), n = ShardCount(b);
        return m != n ? $"the shard count differs ({m} against {n})" : null;
    }

    private static HostReport MergeHost(ScanHost host, IEnumerable<HostReport> shares, bool keptAll)
    {
        var merged = new HostReport(host, keptAll);
        // The earliest share first: the host is up for the reason of the first answer, as in one scan.
        foreach (HostReport share in shares.OrderBy(h => h.Started ?? DateTimeOffset.MaxValue))
        {
            merged.Absorb(share);
        }
        return merged;
    }

    private static string Targets(ScanPlan plan)
    {
        string shown = string.Join(",", plan.Hosts.Take(3).Select(h => h.Name is { } n ? $"{n} ({h.Address})" : h.Address.ToString()));
        return plan.Hosts.Count > 3 ? string.Create(CultureInfo.InvariantCulture, $"{shown}... {plan.Hosts.Count:N0} hosts") : shown;
    }

    private static string Ports(ScanPlan plan) =>
        string.Join(",", new[] { plan.TcpPorts.Count > 0 ? "T:" + PortRangeText.Format(plan.TcpPorts) : null, plan.UdpPorts.Count > 0 ? "U:" + PortRangeText.Format(plan.UdpPorts) : null }.Where(p => p is not null));

    private static string Shards(List<ScanShard> shards) => (shards.Count == 1 ? "shard " : "shards ") + string.Join(", ", shards.Select(s => s.ToText()));

    private static string WithoutShard(string commandLine) => ShardOption().Replace(commandLine, "");

    [GeneratedRegex(@" --shard(-count)?(=| )\S+")]
    private static partial Regex ShardOption();
}
