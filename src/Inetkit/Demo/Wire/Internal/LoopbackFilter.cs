namespace Inetkit.Demo.Wire.Internal;

/// <summary>
/// The classic BPF program a capture attaches to its packet socket, so loopback's other traffic (other tests'
/// bulk transfers, other services) is dropped in the kernel, before it can queue up behind a busy reader and push
/// the capture's own packets out: incoming copies only, TCP and UDP with a watched port at either end, and ICMP and
/// ICMPv6 (whose quoted ports the reader checks).
/// </summary>
internal static class LoopbackFilter
{
    /// <summary>
    /// Beyond this many ports the program keeps all TCP and UDP and the reader alone picks: classic BPF jumps reach
    /// 255 instructions at most.
    /// </summary>
    public const int MaxPorts = 100;

    private const ushort LdB = 0x30, LdH = 0x28, LdIndH = 0x48, LdxMshB = 0xb1, JeqK = 0x15, JsetK = 0x45, RetK = 0x06;

    // SKF_AD_OFF + SKF_AD_PKTTYPE: the frame's direction, as sockaddr_ll's sll_pkttype gives it.
    private const uint PacketTypeAncillary = 0xfffff004;
    private const uint PacketOutgoing = 4;
    private const uint Keep = 0x40000;

    /// <summary>A struct sock_filter.</summary>
    public readonly record struct Instruction(ushort Code, byte JumpTrue, byte JumpFalse, uint K);

    public static Instruction[] Compile(IReadOnlyCollection<int> ports)
    {
        var program = new Program();
        program.Emit(LdB, PacketTypeAncillary);
        program.Jump(JeqK, PacketOutgoing, "drop", null);
        program.Emit(LdH, 12);
        program.Jump(JeqK, 0x0800, "v4", null);
        program.Jump(JeqK, 0x86dd, "v6", "drop");
        program.Label("drop");
        program.Emit(RetK, 0);

        program.Label("v4");
        program.Emit(LdB, 14 + 9);
        program.Jump(JeqK, 1, "v4.keep", null);
        program.Jump(JeqK, 6, "v4.ports", null);
        program.Jump(JeqK, 17, "v4.ports", "v4.drop");
        program.Label("v4.ports");
        // A fragment past the first carries no ports.
        program.Emit(LdH, 14 + 6);
        program.Jump(JsetK, 0x1fff, "v4.drop", null);
        program.Emit(LdxMshB, 14);
        Ports(program, ports, LdIndH, 14, "v4");

        program.Label("v6");
        program.Emit(LdB, 14 + 6);
        program.Jump(JeqK, 58, "v6.keep", null);
        program.Jump(JeqK, 6, "v6.ports", null);
        program.Jump(JeqK, 17, "v6.ports", "v6.drop");
        program.Label("v6.ports");
        Ports(program, ports, LdH, 14 + 40, "v6");
        return program.Link();
    }

    /// <summary>Loads the source port, then the destination port, each compared with every port; ends in its own drop and keep.</summary>
    private static void Ports(Program program, IReadOnlyCollection<int> ports, ushort load, uint offset, string prefix)
    {
        if (ports.Count > MaxPorts)
        {
            program.Emit(RetK, Keep);
        }
        else
        {
            foreach (uint field in (uint[])[offset, offset + 2])
            {
                program.Emit(load, field);
                foreach (int port in ports)
                {
                    program.Jump(JeqK, (uint)port, $"{prefix}.keep", null);
                }
            }
        }
        program.Label($"{prefix}.drop");
        program.Emit(RetK, 0);
        program.Label($"{prefix}.keep");
        program.Emit(RetK, Keep);
    }

    private sealed class Program
    {
        private readonly List<(ushort Code, uint K, string? True, string? False)> _code = [];
        private readonly Dictionary<string, int> _labels = [];

        public void Emit(ushort code, uint k) => _code.Add((code, k, null, null));

        /// <summary>A conditional jump; a null target is the next instruction.</summary>
        public void Jump(ushort code, uint k, string? whenTrue, string? whenFalse) => _code.Add((code, k, whenTrue, whenFalse));

        public void Label(string name) => _labels.Add(name, _code.Count);

        public Instruction[] Link() => [.. _code.Select((op, at) => new Instruction(op.Code, Offset(at, op.True), Offset(at, op.False), op.K))];

        private byte Offset(int at, string? label)
        {
            int offset = label is null ? 0 : _labels[label] - at - 1;
            return offset is >= 0 and <= byte.MaxValue ? (byte)offset : throw new InvalidOperationException($"BPF jump to {label} out of reach ({offset})");
        }
    }
}
