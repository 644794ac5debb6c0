namespace Inetkit.Conformance.Reports;

/// <summary>
/// The report a person reads: a section per target and service, a line per case (verdict, id, what came back, and
/// for a fail or warning what was expected), a transport nobody serves in one line, and a summary per service.
/// </summary>
public static class CheckTextWriter
{
    /// <summary>Writes the whole report; <paramref name="colour"/> adds ANSI colours (for a terminal only).</summary>
    public static void Write(CheckReport report, TextWriter writer, bool colour)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        int width = report.Services.SelectMany(s => s.Check.Results).Select(r => r.Case.Id.Length).DefaultIfEmpty(0).Max();
        foreach (var section in report.Sections)
        {
            CheckedService first = section.First();
            string where = Normal(section.Key.Target) == Normal(first.Check.Server.ToString()) ? section.Key.Target : $"{section.Key.Target} ({first.Check.Server})";
            writer.WriteLine(Paint($"{where}: {section.Key.Service}", "1", colour));
            foreach (CheckedService service in section)
            {
                if (!service.Check.Served)
                {
                    string why = service.Check.Results.Count > 0 ? service.Check.Results[0].Got : "not served";
                    writer.WriteLine($"  {Paint("SKIP", "2", colour)}  {service.Service}/{service.Transport}: {why}; {service.Check.Results.Count} cases skipped");
                    continue;
                }
                foreach (CaseResult result in service.Check.Results)
                {
                    writer.WriteLine($"  {Label(result.Verdict, colour)}  {result.Case.Id.PadRight(width)}  {result.Got}");
                    if (result.Verdict is Verdict.Fail or Verdict.Warn && result.Expected.Length > 0)
                    {
                        writer.WriteLine($"        {new string(' ', width)}  expected: {result.Expected}");
                    }
                }
            }
            writer.WriteLine($"{section.Key.Service}: {CheckSummary.Of(section.SelectMany(s => s.Check.Results))}");
            writer.WriteLine();
        }
        WriteTotal(report, writer);
    }

    /// <summary>The summary alone, a line per target and service and the total: what stdout shows when the report goes to a file.</summary>
    public static void WriteSummary(CheckReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var section in report.Sections)
        {
            writer.WriteLine($"{section.Key.Target} {section.Key.Service}: {CheckSummary.Of(section.SelectMany(s => s.Check.Results))}");
        }
        WriteTotal(report, writer);
    }

    private static void WriteTotal(CheckReport report, TextWriter writer)
    {
        int targets = report.Services.Select(s => s.Target).Distinct().Count();
        int services = report.Sections.Count();
        writer.WriteLine($"total: {targets} target{(targets == 1 ? "" : "s")}, {services} service{(services == 1 ? "" : "s")}: {report.Summary}");
    }

    private static string Normal(string target) => target.Trim().ToLowerInvariant();

    private static string Label(Verdict verdict, bool colour) => verdict switch
    {
        Verdict.Pass => Paint("PASS", "32", colour),
        Verdict.Fail => Paint("FAIL", "1;31", colour),
        Verdict.Warn => Paint("WARN", "33", colour),
        _ => Paint("SKIP", "2", colour),
    };

    private static string Paint(string text, string code, bool colour) => colour ? $"\u001b[{code}m{text}\u001b[0m" : text;
}
