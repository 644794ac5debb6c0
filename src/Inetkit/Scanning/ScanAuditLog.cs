using System.Text;
using System.Text.Json;

namespace Inetkit.Scanning;

/// <summary>
/// The record of every scan beyond loopback: one JSON object per line (time, targets, ports, and the scope's
/// reference and signatory), appended, never rewritten.
/// </summary>
public static class ScanAuditLog
{
    /// <summary>Appends one line for a scan (or, with <paramref name="command"/>, a check) about to start.</summary>
    /// <exception cref="IOException">The log cannot be written; traffic beyond loopback must not start unrecorded.</exception>
    public static void Append(string path, DateTimeOffset time, IEnumerable<string> targets, string ports, ScanScope scope, string? command = null, ScanShard? shard = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(scope);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (command is not null)
            {
                json.WriteString("command", command);
            }
            json.WriteString("time", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteStartArray("targets");
            foreach (string target in targets)
            {
                json.WriteStringValue(target);
            }
            json.WriteEndArray();
            json.WriteString("ports", ports);
            if (shard is { Count: > 1 } share)
            {
                // Each shard of a job records itself: the log then says which part of the sweep ran where.
                json.WriteString("shard", share.ToText());
            }
            json.WriteString("reference", scope.Reference);
            json.WriteString("authorized_by", scope.AuthorizedBy);
            json.WriteString("expires", scope.Expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        File.AppendAllText(path, Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }
}
