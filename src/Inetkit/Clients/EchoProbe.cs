using System.Buffers.Binary;

namespace Inetkit.Clients;

/// <summary>
/// A measurement probe: "IKP1", a 32-bit sequence number, the 64-bit send timestamp, then bytes derived from the
/// sequence number, so that a reply can be matched to its probe and checked to the last byte.
/// </summary>
internal static class EchoProbe
{
    public const int HeaderLength = 16;

    private const uint Magic = 0x494B_5031; // "IKP1"

    public static void Write(Span<byte> probe, uint sequence, long timestamp)
    {
        BinaryPrimitives.WriteUInt32BigEndian(probe, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(probe[4..], sequence);
        BinaryPrimitives.WriteInt64BigEndian(probe[8..], timestamp);
        for (int i = HeaderLength; i < probe.Length; i++)
        {
            probe[i] = Filler(sequence, i);
        }
    }

    /// <summary>Reads a reply: false when it is not one of our probes at all; <paramref name="intact"/> false when its body is damaged.</summary>
    public static bool TryRead(ReadOnlySpan<byte> reply, int expectedLength, out uint sequence, out long timestamp, out bool intact)
    {
        sequence = 0;
        timestamp = 0;
        intact = false;
        if (reply.Length < HeaderLength || BinaryPrimitives.ReadUInt32BigEndian(reply) != Magic)
        {
            return false;
        }
        sequence = BinaryPrimitives.ReadUInt32BigEndian(reply[4..]);
        timestamp = BinaryPrimitives.ReadInt64BigEndian(reply[8..]);
        intact = reply.Length == expectedLength;
        for (int i = HeaderLength; intact && i < reply.Length; i++)
        {
            intact = reply[i] == Filler(sequence, i);
        }
        return true;
    }

    private static byte Filler(uint sequence, int index) => (byte)((sequence * 31) + (uint)index);
}
