using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Inetkit.Hosting.Internal;

/// <summary>
/// A datagram's source read straight from the native sockaddr bytes, without allocating: the address as a
/// 128-bit IPv6 value (IPv4 as ::ffff:a.b.c.d) and the port.
/// </summary>
internal readonly record struct SourceAddress(UInt128 Address, int Port)
{
    private static readonly UInt128 MappedPrefix = new(0, 0x0000_FFFF_0000_0000);
    private static readonly UInt128 MappedMask = new(ulong.MaxValue, 0xFFFF_FFFF_0000_0000);

    public bool IsIPv4 => (Address & MappedMask) == MappedPrefix;

    private uint IPv4 => (uint)(Address & 0xFFFF_FFFF);

    public bool IsLoopback => IsIPv4 ? (IPv4 >> 24) == 127 : Address == UInt128.One;

    public bool IsUnspecified => IsIPv4 ? IPv4 == 0 : Address == UInt128.Zero;

    public bool IsMulticast => IsIPv4 ? (IPv4 >> 28) == 0xE : (byte)(Address >> 120) == 0xFF;

    public bool IsLimitedBroadcast => IsIPv4 && IPv4 == uint.MaxValue;

    /// <summary>Reads sockaddr_in / sockaddr_in6 (port at bytes 2-3, address at 4 or 8), which is the layout on every platform .NET runs on.</summary>
    public static SourceAddress From(SocketAddress socketAddress)
    {
        ReadOnlySpan<byte> raw = socketAddress.Buffer.Span;
        int port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        if (socketAddress.Family == AddressFamily.InterNetwork)
        {
            return new SourceAddress(MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(raw[4..]), port);
        }
        return new SourceAddress(BinaryPrimitives.ReadUInt128BigEndian(raw[8..]), port);
    }

    public static SourceAddress From(IPEndPoint endPoint)
    {
        IPAddress address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> v4 = stackalloc byte[4];
            address.TryWriteBytes(v4, out _);
            return new SourceAddress(MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(v4), endPoint.Port);
        }
        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        return new SourceAddress(BinaryPrimitives.ReadUInt128BigEndian(v6), endPoint.Port);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Address);
        return IsIPv4 ? new IPAddress(bytes[12..]) : new IPAddress(bytes);
    }

    public override string ToString() => new IPEndPoint(ToIPAddress(), Port).ToString();
}
