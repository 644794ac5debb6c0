using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Inetkit.Hosting.Internal;

namespace Inetkit.Hosting;

/// <summary>
/// Which source addresses a service serves, as xinetd's <c>only_from</c> (allow) and <c>no_access</c> (deny):
/// IPv4 and IPv6 addresses and CIDR blocks. How entries decide is described on <see cref="Decide(IPAddress)"/>.
/// </summary>
public sealed class AccessList
{
    private const string NotAllowed = "not in the allow list";

    // Most specific first, and at one prefix length deny before allow, so the first match decides.
    private readonly AccessEntry[] _entries;
    private readonly bool _hasAllow;

    private AccessList(AccessEntry[] allow, AccessEntry[] deny)
    {
        _entries = [.. allow, .. deny];
        Array.Sort(_entries, static (a, b) => a.Prefix != b.Prefix ? b.Prefix.CompareTo(a.Prefix) : a.Allow.CompareTo(b.Allow));
        _hasAllow = allow.Length > 0;
        Allow = Array.AsReadOnly(Array.ConvertAll(allow, static entry => entry.Text));
        Deny = Array.AsReadOnly(Array.ConvertAll(deny, static entry => entry.Text));
    }

    /// <summary>Allows every source: no entries at all.</summary>
    public static AccessList Open { get; } = new([], []);

    /// <summary>True if the list has no entries, so every source is allowed.</summary>
    public bool IsOpen => _entries.Length == 0;

    /// <summary>
    /// The allow entries in the order given, normalised for printing the effective configuration: host bits cleared
    /// (<c>10.0.0.1/8</c> is <c>10.0.0.0/8</c>), IPv4-mapped entries as IPv4, a full-length block as a plain address.
    /// </summary>
    public IReadOnlyList<string> Allow { get; }

    /// <summary>The deny entries in the order given, normalised as <see cref="Allow"/> is.</summary>
    public IReadOnlyList<string> Deny { get; }

    /// <summary>
    /// Parses allow and deny entries. Each is an IPv4 address (four decimal octets), an IPv6 address (brackets
    /// allowed, a scope id ignored), or a block <c>a.b.c.d/0-32</c> or <c>v6/0-128</c>; surrounding whitespace is
    /// ignored. A block with host bits set is masked to its block, as xinetd does. An IPv4-mapped entry
    /// (<c>::ffff:10.0.0.1</c>, <c>::ffff:10.0.0.0/104</c>) means the IPv4 address or block.
    /// </summary>
    /// <exception cref="FormatException">
    /// An entry that is empty or no address or block; an octet with a leading zero (octal to inet_aton); a plain IPv4
    /// address ending in 0 or a plain <c>::</c>, which xinetd reads as a block (write <c>10.0.0.0/8</c> or
    /// <c>10.0.0.0/32</c>); an IPv4-mapped block shorter than /96. The message is one line naming the entry and
    /// what to write instead.
    /// </exception>
    public static AccessList Parse(IEnumerable<string> allow, IEnumerable<string> deny)
    {
        ArgumentNullException.ThrowIfNull(allow);
        ArgumentNullException.ThrowIfNull(deny);
        AccessEntry[] allowed = [.. allow.Select(static entry => AccessEntry.Parse(entry, allow: true))];
        AccessEntry[] denied = [.. deny.Select(static entry => AccessEntry.Parse(entry, allow: false))];
        return allowed.Length == 0 && denied.Length == 0 ? Open : new AccessList(allowed, denied);
    }

    /// <summary>
    /// Decides whether <paramref name="source"/> may be served. Among all entries of both lists that contain the
    /// source, the most specific (longest prefix; a plain address is /32 or /128) decides; an allow and a deny of the
    /// very same block: deny wins. So allow <c>127.0.0.5</c> with deny <c>127.0.0.0/8</c> allows 127.0.0.5 and refuses
    /// 127.0.0.6 (xinetd 2.3.15 refuses both). With no entry matching, a list with any allow entry refuses and one
    /// without allows. IPv4 entries never match IPv6 sources nor IPv6 entries IPv4 sources, but an IPv4-mapped source
    /// (<c>::ffff:127.0.0.1</c>, as a dual-stack socket reports an IPv4 client) is decided as the IPv4 address it
    /// carries, so deny <c>127.0.0.0/8</c> also refuses it. A scope id plays no part.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is neither IPv4 nor IPv6.</exception>
    public AccessDecision Decide(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> bytes = stackalloc byte[16];
        if (source.AddressFamily == AddressFamily.InterNetwork)
        {
            // ::ffff:a.b.c.d, the form SourceAddress holds IPv4 in.
            bytes[10] = 0xFF;
            bytes[11] = 0xFF;
            source.TryWriteBytes(bytes[12..], out _);
        }
        else if (source.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // A mapped IPv6 source needs no conversion: its bytes are already that same form, so it is IPv4 below.
            source.TryWriteBytes(bytes, out _);
        }
        else
        {
            throw new ArgumentException($"{source.AddressFamily} is neither IPv4 nor IPv6", nameof(source));
        }
        return Decide(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    /// <summary>
    /// <see cref="Decide(IPAddress)"/> for a <see cref="SourceAddress.Address"/> (IPv4 as ::ffff:a.b.c.d), without
    /// allocating: it runs once per datagram.
    /// </summary>
    internal AccessDecision Decide(UInt128 address)
    {
        bool isIPv4 = new SourceAddress(address, 0).IsIPv4;
        foreach (ref readonly AccessEntry entry in _entries.AsSpan())
        {
            if (entry.Matches(address, isIPv4))
            {
                return new AccessDecision(entry.Allow, entry.Rule);
            }
        }
        return _hasAllow ? new AccessDecision(false, NotAllowed) : new AccessDecision(true, null);
    }
}
