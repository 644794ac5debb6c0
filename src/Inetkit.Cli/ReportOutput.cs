using Inetkit.Scanning;
using Inetkit.Scanning.Reports;

namespace Inetkit.Cli;

/// <summary>Where scan and merge reports go: the format's writer, to stdout or a file (the terminal then still shows the table).</summary>
internal static class ReportOutput
{
    public static readonly string[] Formats = ["text", "json", "xml", "csv", "html"];

    public const string FormatDescription = "text (nmap-like table), json, xml (nmap's XML: ndiff, Metasploit and others read it), csv, or html (one self-contained page to open in a browser)";

    public static StreamWriter? Open(string? path, Func<string, Exception> error)
    {
        if (path is null)
        {
            return null;
        }
        try
        {
            return new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw error($"-o {path}: cannot write there ({e.Message})");
        }
    }

    public static void Write(ScanReport report, ReportContext context, string format, CliConsole console, StreamWriter? file)
    {
        Action<ScanReport, ReportContext, TextWriter> writer = format switch
        {
            "json" => JsonReportWriter.Write,
            "xml" => NmapXmlWriter.Write,
            "csv" => CsvReportWriter.Write,
            "html" => HtmlReportWriter.Write,
            _ => TextReportWriter.Write,
        };
        if (file is not null)
        {
            writer(report, context, file);
            file.Flush();
            // As nmap does with -oX: the file holds the report, the terminal still shows the table.
            TextReportWriter.Write(report, context, console.Out);
            return;
        }
        writer(report, context, console.Out);
        if (format != "text")
        {
            foreach (string notice in report.Notices)
            {
                console.Error.WriteLine($"inetkit: note: {notice}");
            }
        }
    }
}
