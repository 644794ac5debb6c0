using System.Buffers.Binary;
using Inetkit.Clients;
using Inetkit.Protocol;

namespace Inetkit.Conformance;

/// <summary>RFC 868, the time protocol: four bytes, big-endian seconds since 1900-01-01 UTC.</summary>
internal static class TimeCases
{
    private const string Rfc = "RFC 868";

    private const string UdpQuote = "U: Send an empty datagram to port 37. ... S: Send a datagram containing the time as a 32 bit binary number.";

    private const string ValueQuote = "The time is the number of seconds since 00:00 (midnight) 1 January 1900 GMT";

    /// <summary>How far the server's clock may be from ours before the value is wrong (RFC 868 counts whole seconds).</summary>
    internal static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(2);

    /// <summary>1900-01-01 to 1970-01-01: what a server that sends Unix time is off by.</summary>
    internal const long UnixOffset = 2_208_988_800;

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        new(ServiceKind.Time, Transport.Tcp, "four-bytes-then-close", CaseLevel.Must, Rfc,
            "S: Send the time as a 32 bit binary number. ... S: Close the connection.", FourBytesThenCloseAsync),
        new(ServiceKind.Time, Transport.Tcp, "seconds-since-1900", CaseLevel.Must, Rfc, ValueQuote,
            async c => Value(c, await ReadTcpAsync(c))),
        new(ServiceKind.Time, Transport.Udp, "empty-datagram", CaseLevel.Must, Rfc, UdpQuote, EmptyDatagramAsync),
        new(ServiceKind.Time, Transport.Udp, "seconds-since-1900", CaseLevel.Must, Rfc, ValueQuote,
            async c => await c.ExchangeAsync(Array.Empty<byte>()) is { } reply ? Value(c, reply) : CaseOutcome.Fail("a 4-byte reply", c.Silence)),
        .. DatagramCases.For(ServiceKind.Time, Rfc, UdpQuote),
    ];

    private static async Task<byte[]> ReadTcpAsync(CaseContext context)
    {
        using ClientSocket socket = await context.ConnectAsync();
        return await socket.ReadToEndAsync(64, 64 * 1024, context.Cancellation);
    }

    private static async Task<CaseOutcome> FourBytesThenCloseAsync(CaseContext context)
    {
        byte[] reply = await ReadTcpAsync(context);
        return reply.Length == 4
            ? CaseOutcome.Pass("4 bytes, then the server closes", "4 bytes, then the server closed")
            : CaseOutcome.Fail("4 bytes, then the server closes", $"{Length(reply)}, then the server closed");
    }

    private static async Task<CaseOutcome> EmptyDatagramAsync(CaseContext context)
    {
        byte[]? reply = await context.ExchangeAsync(Array.Empty<byte>());
        return reply switch
        {
            null => CaseOutcome.Fail("a 4-byte datagram", context.Silence),
            { Length: 4 } => CaseOutcome.Pass("a 4-byte datagram", "4 bytes"),
            _ => CaseOutcome.Fail("a 4-byte datagram", Length(reply)),
        };
    }

    /// <summary>The value against the local clock, naming the classic mistakes: Unix time, and the bytes in the wrong order.</summary>
    internal static CaseOutcome Value(CaseContext context, byte[] reply)
    {
        const string Expected = "seconds since 1900-01-01 UTC, big-endian, within 2 s of the local clock";
        if (reply.Length < 4)
        {
            return CaseOutcome.Fail(Expected, $"{Length(reply)}, not 4: no value to read");
        }
        uint got = BinaryPrimitives.ReadUInt32BigEndian(reply);
        if (reply.Length > 4)
        {
            // Not a value, but its first 4 bytes may be one: inetutils-inetd's 8 are the time and 4 zero bytes.
            CaseOutcome first = Value(context, reply[..4]);
            return CaseOutcome.Fail(Expected, $"{Length(reply)}; the first 4 read {first.Got}");
        }
        DateTimeOffset now = context.Clock.GetUtcNow();
        uint expected = Rfc868Time.ToSeconds(now);
        uint unix = unchecked(expected - (uint)UnixOffset);
        long off = Distance(got, expected);
        if (Close(off))
        {
            return CaseOutcome.Pass(Expected, $"{got:N0} ({Rfc868Time.ToInstant(got, now):yyyy-MM-ddTHH:mm:ssZ}), {Describe(off)} from the local clock");
        }
        if (Close(Distance(got, unix)))
        {
            return CaseOutcome.Fail(Expected, $"{got:N0}, which is seconds since 1970 (Unix time), {UnixOffset:N0} s short: add {UnixOffset:N0} to time(), or count from 1900 as RFC 868 does");
        }
        uint swapped = BinaryPrimitives.ReverseEndianness(got);
        if (Close(Distance(swapped, expected)) || Close(Distance(swapped, unix)))
        {
            string alsoUnix = Close(Distance(swapped, expected)) ? "" : ", and that is Unix time";
            return CaseOutcome.Fail(Expected, $"{got:N0}, which read little-endian is {swapped:N0}{alsoUnix}: send the most significant byte first (network byte order, htonl)");
        }
        return CaseOutcome.Fail(Expected, $"{got:N0} ({Rfc868Time.ToInstant(got, now):yyyy-MM-ddTHH:mm:ssZ}), {Describe(off)} from the local clock");
    }

    /// <summary>How long a reply that is not 4 bytes is, naming the 8 of a 64-bit integer written whole.</summary>
    private static string Length(byte[] reply) =>
        reply.Length == 8 && reply.AsSpan(4).IndexOfAnyExcept((byte)0) < 0
            ? "8 bytes, the last 4 of them zero: a 64-bit long (a time_t) holding the 32-bit value, written whole; send the 4 bytes of a uint32_t"
            : ByteDifference.Bytes(reply.Length);

    /// <summary>got - expected on the 32-bit circle, so that a value just past the 2036 wrap is 1 s ahead, not 2^32 behind.</summary>
    private static long Distance(uint got, uint expected)
    {
        long d = ((long)got - expected) % Rfc868Time.EraSeconds;
        return d > Rfc868Time.EraSeconds / 2 ? d - Rfc868Time.EraSeconds : d < -Rfc868Time.EraSeconds / 2 ? d + Rfc868Time.EraSeconds : d;
    }

    private static bool Close(long off) => Math.Abs(off) <= Tolerance.TotalSeconds;

    private static string Describe(long off) => off switch
    {
        0 => "0 s",
        > 0 => $"{off:N0} s ahead",
        _ => $"{-off:N0} s behind",
    };
}
