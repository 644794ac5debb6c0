using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Inetkit.Scanning.Internal;

/// <summary>
/// The sequence number a SYN probe carries: SipHash-2-4 of the 4-tuple under a secret drawn for each scan, so that only
/// an answer to the probe itself (whose ack is this number plus one, or which quotes it in an ICMP error) can match.
/// A stray packet, a reply to another scan, or one forged by someone who did not see the probe cannot.
/// </summary>
internal sealed class SynCookie
{
    private readonly ulong _k0;
    private readonly ulong _k1;

    public SynCookie()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
    }

    /// <summary>The cookie for a probe from <paramref name="source"/>:<paramref name="sourcePort"/> to <paramref name="target"/>:<paramref name="port"/> (addresses as 16 bytes, IPv4 mapped).</summary>
    public uint For(UInt128 source, UInt128 target, int sourcePort, int port)
    {
        ulong v0 = _k0 ^ 0x736f6d6570736575UL, v1 = _k1 ^ 0x646f72616e646f6dUL, v2 = _k0 ^ 0x6c7967656e657261UL, v3 = _k1 ^ 0x7465646279746573UL;
        Compress((ulong)source);
        Compress((ulong)(source >> 64));
        Compress((ulong)target);
        Compress((ulong)(target >> 64));
        Compress(((ulong)(uint)sourcePort << 16) | (uint)port | (36UL << 56)); // the last word carries the length, as SipHash's does
        v2 ^= 0xff;
        for (int i = 0; i < 4; i++)
        {
            Round();
        }
        ulong hash = v0 ^ v1 ^ v2 ^ v3;
        return (uint)hash ^ (uint)(hash >> 32);

        void Compress(ulong m)
        {
            v3 ^= m;
            Round();
            Round();
            v0 ^= m;
        }

        void Round()
        {
            v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
            v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
        }
    }
}
