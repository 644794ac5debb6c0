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
        buffer.WriteByte((byte)'\n');
        using FileStream log = OpenAlone(path);
        log.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    // Long enough for every shard of a large job on one node to take its turn; a log held longer is a fault to report.
    private const int OpenAttempts = 500;

    /// <summary>
    /// Opens the log for appending, alone: the shards of one job append to one log at once, and an append that
    /// finds the end, then writes there, lost or tore lines when another landed between (SlurmClusterTests saw three
    /// shards' lines of four). FileShare.None takes an exclusive lock (flock on Unix) before the end is found; a
    /// writer that finds it taken tries again shortly. Only the open is tried again, never a write.
    /// </summary>
    private static FileStream OpenAlone(string path)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None);
            }
            catch (IOException) when (attempt < OpenAttempts)
            {
                Thread.Sleep(Random.Shared.Next(1, 5));
            }
        }
    }
}
