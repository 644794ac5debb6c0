using System.Text.Json;

namespace Inetkit.Conformance.Reports;

/// <summary>
/// <c>{"targets":[{"target","service","transport","cases":[{"id","level","rfc","verdict","expected","got","ms"}]}],
/// "summary":{"passed","failed","warnings","skipped"}}</c>, plus <c>address</c>, <c>port</c> and <c>served</c> per entry.
/// </summary>
public static class CheckJsonWriter
{
    /// <summary>Writes the report as one JSON object and a newline.</summary>
    public static void Write(CheckReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("targets");
            foreach (CheckedService service in report.Services)
            {
                json.WriteStartObject();
                json.WriteString("target", service.Target);
                json.WriteString("service", service.Service);
                json.WriteString("transport", service.Transport);
                json.WriteString("address", service.Check.Server.Address.ToString());
                json.WriteNumber("port", service.Check.Server.Port);
                json.WriteBoolean("served", service.Check.Served);
                json.WriteStartArray("cases");
                foreach (CaseResult result in service.Check.Results)
                {
                    json.WriteStartObject();
                    json.WriteString("id", result.Case.Id);
                    json.WriteString("level", Name(result.Case.Level));
                    json.WriteString("rfc", result.Case.Rfc);
                    json.WriteString("verdict", Name(result.Verdict));
                    json.WriteString("expected", result.Expected);
                    json.WriteString("got", result.Got);
                    json.WriteNumber("ms", Math.Round(result.Elapsed.TotalMilliseconds, 1));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            CheckSummary summary = report.Summary;
            json.WriteStartObject("summary");
            json.WriteNumber("passed", summary.Passed);
            json.WriteNumber("failed", summary.Failed);
            json.WriteNumber("warnings", summary.Warnings);
            json.WriteNumber("skipped", summary.Skipped);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        writer.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary><c>must</c>, <c>should</c>, <c>info</c>.</summary>
    public static string Name(CaseLevel level) => level.ToString().ToLowerInvariant();

    /// <summary><c>pass</c>, <c>fail</c>, <c>warn</c>, <c>skip</c>.</summary>
    public static string Name(Verdict verdict) => verdict.ToString().ToLowerInvariant();
}
