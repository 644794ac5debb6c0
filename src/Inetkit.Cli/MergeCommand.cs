using System.CommandLine;
using Inetkit.Scanning;
using Inetkit.Scanning.Merging;
using Inetkit.Scanning.Reports;

namespace Inetkit.Cli;

/// <summary><c>inetkit merge REPORT...</c>: the shards' reports of one scan made into the report of the whole scan.</summary>
internal static class MergeCommand
{
    public static Command Create(CliConsole console)
    {
        var reports = new Argument<string[]>("REPORT") { Description = "Reports of inetkit scan (XML or JSON, mixed as you like): the shards of one scan", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = ReportOutput.FormatDescription, DefaultValueFactory = _ => "text", HelpName = "FORMAT" };
        Ranges.OneOf(format, ReportOutput.Formats);
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the report to FILE (the table still goes to stdout); default: stdout alone", HelpName = "FILE" };
        var partial = new Option<bool>("--partial") { Description = "Merge what is there when shards are missing: the report is marked incomplete and names them" };
        var command = new Command("merge", "Merge the reports of a sharded scan (scan --shard I/N or auto) into one, the same report as the unsharded scan.")
        {
            reports, format, output, partial,
        };
        command.SetAction(parsed => Run(parsed.GetValue(reports) ?? [], parsed.GetValue(format)!, parsed.GetValue(output)?.FullName, parsed.GetValue(partial), console));
        return command;
    }

    private static int Run(string[] paths, string format, string? outputPath, bool partial, CliConsole console)
    {
        try
        {
            MergedReport merged = ReportMerger.Merge(paths.Select(ReportReader.Read).ToList(), partial);
            ScanReport report = merged.Report;
            var context = new ReportContext(ServiceNames.FromSystem(), merged.CommandLine)
            {
                ShowClosed = report.KeptAll,
                Banners = report.Hosts.Any(h => h.Ports.Any(p => p.Banner is not null)),
            };
            using StreamWriter? file = ReportOutput.Open(outputPath, m => new MergeInputException(m));
            ReportOutput.Write(report, context, format, console, file);
            if (!report.Complete && report.MissingShards.Count == 0)
            {
                // Shards that were stopped early: as scan does, the report is written and the exit says it is not whole.
                console.Error.WriteLine($"inetkit: merge: {string.Join(", ", report.Sources.Where(s => !s.Complete).Select(s => $"shard {s.Shard.ToText()} ({s.File})"))} stopped before every port had an answer; the merged report is incomplete");
                return ExitCodes.Failure;
            }
            if (report.MissingShards.Count > 0)
            {
                console.Error.WriteLine($"inetkit: merge: --partial: {string.Join(", ", report.MissingShards.Select(s => s.ToText()))} missing; the merged report is marked incomplete");
            }
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, console.Error);
        }
    }
}
