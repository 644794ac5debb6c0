using System.Globalization;
using System.Net;
using Inetkit.Protocol;
using Inetkit.Text;

namespace Inetkit.Scanning;

/// <summary>
/// <c>--shard I/N</c>: the I-th of N disjoint shares of the (host, protocol, port) space, chosen by a fixed hash
/// (FNV-1a) so that every machine running a shard agrees on who scans what, and the N parts merge to the whole.
/// </summary>
public readonly record struct ScanShard(int Index, int Count)
{
    /// <summary>The whole space (1/1).</summary>
    public static ScanShard All { get; } = new(1, 1);

    /// <summary>Parses <c>I/N</c> with 1 ≤ I ≤ N ≤ 1,000,000.</summary>
    /// <exception cref="FormatException">Not of that form.</exception>
    public static ScanShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/');
        if (parts.Length != 2
            || !PlainDecimal.TryParse(parts[0], out int index)
            || !PlainDecimal.TryParse(parts[1], out int count)
            || count is < 1 or > 1_000_000 || index < 1 || index > count)
        {
            throw new FormatException($"--shard '{text}' is not I/N with 1 <= I <= N <= 1,000,000 (for example 2/4)");
        }
        return new ScanShard(index, count);
    }

    /// <summary>I/N.</summary>
    public string ToText() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>True if this shard scans <paramref name="port"/> over <paramref name="protocol"/> on <paramref name="address"/>.</summary>
    public bool Includes(IPAddress address, Transport protocol, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (Count == 1)
        {
            return true;
        }
        Span<byte> bytes = stackalloc byte[16 + 1 + 2];
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).TryWriteBytes(bytes, out int written);
        bytes[written] = (byte)protocol;
        bytes[written + 1] = (byte)(port >> 8);
        bytes[written + 2] = (byte)port;
        ulong hash = 14695981039346656037;
        foreach (byte b in bytes[..(written + 3)])
        {
            hash = (hash ^ b) * 1099511628211;
        }
        return (int)(hash % (ulong)Count) == Index - 1;
    }
}
