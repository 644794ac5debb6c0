using System.Globalization;
using System.Xml;

namespace Inetkit.Conformance.Reports;

/// <summary>
/// JUnit XML as GitLab, Jenkins and GitHub test reporters read it: a <c>testsuite</c> per target, service and
/// transport, a <c>testcase</c> per case, <c>failure</c> for a fail, <c>skipped</c> for a skip, and what came back
/// (a warning's finding first of all) as <c>system-out</c>. A grader's CI shows each student's server as a test report.
/// </summary>
public static class CheckJUnitWriter
{
    /// <summary>Writes the report as one <c>testsuites</c> document.</summary>
    public static void Write(CheckReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        using var xml = XmlWriter.Create(writer, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false), CloseOutput = false });
        CheckSummary total = report.Summary;
        xml.WriteStartDocument();
        xml.WriteStartElement("testsuites");
        xml.WriteAttributeString("name", "inetkit check");
        xml.WriteAttributeString("tests", Count(total.Passed + total.Failed + total.Warnings + total.Skipped));
        xml.WriteAttributeString("failures", Count(total.Failed));
        xml.WriteAttributeString("errors", "0");
        xml.WriteAttributeString("skipped", Count(total.Skipped));
        xml.WriteAttributeString("time", Seconds(report.Services.SelectMany(s => s.Check.Results).Aggregate(TimeSpan.Zero, (t, r) => t + r.Elapsed)));
        int id = 0;
        foreach (CheckedService service in report.Services)
        {
            CheckSummary counts = CheckSummary.Of(service.Check.Results);
            string suite = $"{service.Target} {service.Service}/{service.Transport}";
            xml.WriteStartElement("testsuite");
            xml.WriteAttributeString("name", suite);
            xml.WriteAttributeString("tests", Count(service.Check.Results.Count));
            xml.WriteAttributeString("failures", Count(counts.Failed));
            xml.WriteAttributeString("errors", "0");
            xml.WriteAttributeString("skipped", Count(counts.Skipped));
            xml.WriteAttributeString("time", Seconds(service.Check.Results.Aggregate(TimeSpan.Zero, (t, r) => t + r.Elapsed)));
            xml.WriteAttributeString("id", Count(id++));
            xml.WriteAttributeString("hostname", service.Check.Server.ToString());
            foreach (CaseResult result in service.Check.Results)
            {
                xml.WriteStartElement("testcase");
                xml.WriteAttributeString("name", result.Case.Id);
                xml.WriteAttributeString("classname", suite);
                xml.WriteAttributeString("time", Seconds(result.Elapsed));
                string level = CheckJsonWriter.Name(result.Case.Level);
                switch (result.Verdict)
                {
                    case Verdict.Fail:
                        xml.WriteStartElement("failure");
                        xml.WriteAttributeString("message", result.Got);
                        xml.WriteAttributeString("type", $"{level} ({result.Case.Rfc})");
                        xml.WriteString($"expected: {result.Expected}\ngot: {result.Got}\n{result.Case.Rfc}: {result.Case.Quote}");
                        xml.WriteEndElement();
                        break;
                    case Verdict.Skip:
                        xml.WriteStartElement("skipped");
                        xml.WriteAttributeString("message", result.Got);
                        xml.WriteEndElement();
                        break;
                }
                if (result.Verdict != Verdict.Skip)
                {
                    string prefix = result.Verdict == Verdict.Warn ? $"WARNING ({level}): " : "";
                    xml.WriteElementString("system-out", $"{prefix}{result.Got}\nexpected: {result.Expected}\n{result.Case.Rfc}");
                }
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
        xml.WriteEndDocument();
        xml.Flush();
        writer.WriteLine();
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
