using System.Buffers.Binary;

namespace Inetkit.Scanning.Internal.Linux;

/// <summary>
/// The TCP segments of a SYN scan: the probe (a SYN with an MSS option, as nmap sends) with its checksum over the
/// IPv4 or IPv6 pseudo-header, and the few fields read back from replies. The kernel writes the IP header.
/// </summary>
internal static class SynPackets
{
    /// <summary>20 bytes of header and the 4-byte MSS option.</summary>
    public const int SynLength = 24;

    private const int IpProtoTcp = 6;

    /// <summary>TCP flags.</summary>
    public const byte Syn = 0x02, Rst = 0x04, Ack = 0x10;

    /// <summary>Writes a SYN from <paramref name="source"/>:<paramref name="sourcePort"/> to <paramref name="target"/>:<paramref name="port"/> (addresses as 16 bytes, IPv4 mapped).</summary>
    public static void WriteSyn(Span<byte> segment, UInt128 source, UInt128 target, bool ipv6, int sourcePort, int port, uint sequence)
    {
        segment = segment[..SynLength];
        segment.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(segment, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(segment[2..], (ushort)port);
        BinaryPrimitives.WriteUInt32BigEndian(segment[4..], sequence);
        segment[12] = (SynLength / 4) << 4;
        segment[13] = Syn;
        BinaryPrimitives.WriteUInt16BigEndian(segment[14..], 1024); // nmap's window
        segment[20] = 2; // MSS, length 4, 1460
        segment[21] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(segment[22..], 1460);
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], Checksum(segment, source, target, ipv6));
    }

    /// <summary>The TCP checksum of <paramref name="segment"/> (its checksum field zero) over the pseudo-header of RFC 793 or RFC 8200.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> segment, UInt128 source, UInt128 target, bool ipv6)
    {
        ulong sum = (ulong)IpProtoTcp + (uint)segment.Length;
        sum += ipv6 ? Words(source) + Words(target) : Words((uint)source) + Words((uint)target);
        for (int i = 0; i + 1 < segment.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(segment[i..]);
        }
        if ((segment.Length & 1) != 0)
        {
            sum += (uint)segment[^1] << 8;
        }
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    /// <summary>An address as 16 bytes in network order: IPv6 as it is, IPv4 in the low four (the ::ffff: mapped form).</summary>
    public static UInt128 Key(ReadOnlySpan<byte> address) => address.Length == 4
        ? ((UInt128)0xffff << 32) | BinaryPrimitives.ReadUInt32BigEndian(address)
        : BinaryPrimitives.ReadUInt128BigEndian(address);

    /// <summary>The address back in bytes: 4 for IPv4, 16 for IPv6.</summary>
    public static void Write(UInt128 key, bool ipv6, Span<byte> address)
    {
        if (ipv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(address, key);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(address, (uint)key);
        }
    }

    private static ulong Words(uint value) => (value >> 16) + (value & 0xffff);

    private static ulong Words(UInt128 value) => Words((uint)(value >> 96)) + Words((uint)(value >> 64)) + Words((uint)(value >> 32)) + Words((uint)value);
}
