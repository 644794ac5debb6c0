using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Inetkit.Scanning;

/// <summary>A contiguous run of addresses of one family, as 128-bit numbers (IPv4 in the low 32 bits).</summary>
public readonly record struct AddressRange(AddressFamily Family, UInt128 First, UInt128 Last)
{
    /// <summary>How many addresses the range holds.</summary>
    public BigInteger Count => (BigInteger)(Last - First) + 1;

    /// <summary>True if <paramref name="address"/> is inside.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        IPAddress plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (plain.AddressFamily != Family)
        {
            return false;
        }
        UInt128 value = ToNumber(plain);
        return value >= First && value <= Last;
    }

    /// <summary>True if every address of <paramref name="other"/> is inside.</summary>
    public bool Contains(AddressRange other) => other.Family == Family && other.First >= First && other.Last <= Last;

    /// <summary>The range of a single address.</summary>
    public static AddressRange Of(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        IPAddress plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        UInt128 value = ToNumber(plain);
        return new AddressRange(plain.AddressFamily, value, value);
    }

    /// <summary>The block <paramref name="address"/>/<paramref name="prefix"/> (host bits ignored, as nmap does).</summary>
    public static AddressRange Cidr(IPAddress address, int prefix)
    {
        ArgumentNullException.ThrowIfNull(address);
        int bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        ArgumentOutOfRangeException.ThrowIfNegative(prefix);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefix, bits);
        UInt128 value = ToNumber(address);
        // Shifting all-ones right never shifts by the full width, which .NET takes modulo 128 (1 << 128 is 1): that
        // made ::/0 the one address ::.
        UInt128 hostMask = prefix == bits ? UInt128.Zero : UInt128.MaxValue >> (128 - bits + prefix);
        return new AddressRange(address.AddressFamily, value & ~hostMask, value | hostMask);
    }

    /// <summary>The address at <paramref name="offset"/> from the first.</summary>
    public IPAddress At(UInt128 offset) => ToAddress(Family, First + offset);

    internal static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    internal static IPAddress ToAddress(AddressFamily family, UInt128 value)
    {
        if (family == AddressFamily.InterNetwork)
        {
            byte[] v4 = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)value);
            return new IPAddress(v4);
        }
        byte[] v6 = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, value);
        return new IPAddress(v6);
    }

    /// <inheritdoc/>
    public override string ToString() => First == Last ? At(0).ToString() : $"{At(0)}-{ToAddress(Family, Last)}";
}
