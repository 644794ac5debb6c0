namespace Inetkit.Demo.Wire.Internal;

/// <summary>TCP flags in the form people write them: "SYN/ACK", "PSH/ACK", "FIN/ACK", "RST/ACK".</summary>
internal static class TcpFlagNames
{
    public const ushort Fin = 0x01;
    public const ushort Syn = 0x02;
    public const ushort Rst = 0x04;
    public const ushort Psh = 0x08;
    public const ushort Ack = 0x10;

    // ACK last, as in "FIN/ACK": it rides along on nearly every segment, so it is the least telling.
    private static readonly (ushort Bit, string Name)[] Order =
    [
        (Syn, "SYN"), (Fin, "FIN"), (Rst, "RST"), (Psh, "PSH"), (0x20, "URG"), (0x40, "ECE"), (0x80, "CWR"), (0x100, "AE"), (Ack, "ACK"),
    ];

    public static string Format(ushort flags)
    {
        string joined = string.Join('/', Order.Where(f => (flags & f.Bit) != 0).Select(f => f.Name));
        return joined.Length == 0 ? "none" : joined;
    }
}
