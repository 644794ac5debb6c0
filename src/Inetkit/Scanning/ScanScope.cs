using System.Globalization;
using System.Net;
using Inetkit.IO;

namespace Inetkit.Scanning;

/// <summary>
/// The written authorization a scan beyond loopback needs: who signed off, the letter or ticket that says so,
/// when it expires, and the networks and host names it covers.
/// <code>
/// authorized-by: who signed off, in writing
/// reference: the letter or ticket that says so
/// expires: 2026-12-31
/// 192.0.2.0/24
/// 2001:db8::/64
/// host.example.org
/// </code>
/// Blank lines and lines starting with # are ignored. The expiry date is inclusive, in UTC.
/// </summary>
public sealed class ScanScope
{
    private readonly List<AddressRange> _ranges;
    private readonly HashSet<string> _names;

    private ScanScope(string authorizedBy, string reference, DateOnly expires, List<AddressRange> ranges, HashSet<string> names)
    {
        AuthorizedBy = authorizedBy;
        Reference = reference;
        Expires = expires;
        _ranges = ranges;
        _names = names;
    }

    /// <summary>Who signed off.</summary>
    public string AuthorizedBy { get; }

    /// <summary>The letter or ticket.</summary>
    public string Reference { get; }

    /// <summary>The last day (UTC) on which the scope holds.</summary>
    public DateOnly Expires { get; }

    /// <summary>The address blocks covered.</summary>
    public IReadOnlyList<AddressRange> Ranges => _ranges;

    /// <summary>The host names covered (lower case).</summary>
    public IReadOnlyCollection<string> HostNames => _names;

    /// <summary>Loopback (127.0.0.0/8 and ::1), which needs no scope.</summary>
    public static bool IsLoopback(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    /// <summary>True once the last day has passed.</summary>
    public bool IsExpired(DateTimeOffset now) => DateOnly.FromDateTime(now.UtcDateTime) > Expires;

    /// <summary>True if <paramref name="range"/> lies entirely inside one of the scope's blocks.</summary>
    public bool Covers(AddressRange range) => _ranges.Any(r => r.Contains(range));

    /// <summary>True if <paramref name="address"/> is inside one of the scope's blocks.</summary>
    public bool Covers(IPAddress address) => Covers(AddressRange.Of(address));

    /// <summary>True if the scope lists <paramref name="hostName"/> by name.</summary>
    public bool CoversName(string hostName) => _names.Contains(hostName?.TrimEnd('.').ToLowerInvariant() ?? "");

    /// <summary>The largest scope file read: a scope is a short list someone signed.</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>Reads a scope file.</summary>
    /// <exception cref="ScopeException">Missing, unreadable or malformed; the message names the file and the line.</exception>
    public static ScanScope Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = BoundedText.DecodeUtf8(BoundedText.ReadFile(path, MaxFileBytes), strict: false);
        }
        catch (TextTooLargeException)
        {
            throw new ScopeException(path, "is larger than 1 MiB; a scope file is a short list");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScopeException(path, e is FileNotFoundException or DirectoryNotFoundException ? "does not exist" : $"cannot be read: {e.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Parses scope text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ScopeException">A missing or repeated field, a bad date, or an entry that is no address, block or name.</exception>
    public static ScanScope Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var ranges = new List<AddressRange>();
        var names = new HashSet<string>();
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            // "key: value" (or "key:" with nothing after); an IPv6 entry never has a colon followed by a space or the end.
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].All(c => char.IsAsciiLetter(c) || c == '-') && (colon == line.Length - 1 || line[colon + 1] == ' '))
            {
                string key = line[..colon].ToLowerInvariant();
                if (key is not ("authorized-by" or "reference" or "expires"))
                {
                    throw new ScopeException(source, $"line {number}: unknown field '{key}' (expected authorized-by, reference, expires)");
                }
                if (!fields.TryAdd(key, line[(colon + 1)..].Trim()))
                {
                    throw new ScopeException(source, $"line {number}: '{key}' is given twice");
                }
                continue;
            }
            try
            {
                // The target syntax, without the target-size limit: a scope may cover a whole /64.
                var entryNames = new List<string>();
                TargetSpec.ParseItem(line, ranges, entryNames);
                names.UnionWith(entryNames.Select(n => n.TrimEnd('.')));
            }
            catch (FormatException e)
            {
                throw new ScopeException(source, $"line {number}: {e.Message}");
            }
        }
        foreach (string key in new[] { "authorized-by", "reference", "expires" })
        {
            if (!fields.TryGetValue(key, out string? value) || value.Length == 0)
            {
                throw new ScopeException(source, $"'{key}:' is missing; a scope names who authorized the scan, the reference of that authorization, and when it expires");
            }
        }
        if (!DateOnly.TryParseExact(fields["expires"], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly expires))
        {
            throw new ScopeException(source, $"'expires: {fields["expires"]}' is not a date like 2026-12-31");
        }
        if (ranges.Count == 0 && names.Count == 0)
        {
            throw new ScopeException(source, "lists no networks or hosts");
        }
        return new ScanScope(fields["authorized-by"], fields["reference"], expires, ranges, names);
    }
}

/// <summary>A scope file could not be used; the message names the file and what is wrong.</summary>
public sealed class ScopeException(string path, string problem) : Exception($"scope file {path}: {problem}")
{
    /// <summary>The file.</summary>
    public string Path { get; } = path;
}
