using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Inetkit.Interop.Linux;

namespace Inetkit.Demo.Wire.Internal;

/// <summary>
/// An AF_PACKET socket bound to the loopback interface, with a <see cref="LoopbackFilter"/> program attached.
/// Loopback shows every packet twice, as it leaves (PACKET_OUTGOING) and as it comes back in (PACKET_HOST): the
/// kernel is asked to leave the outgoing copies out (PACKET_IGNORE_OUTGOING, and the filter drops them too), and
/// the reads mark any that still come so the caller drops them.
/// </summary>
internal sealed unsafe class PacketSocket : IDisposable
{
    /// <summary>
    /// Enough for the link, IP and TCP headers with options, an ICMP error's quoted headers, and the 64 payload
    /// bytes a packet keeps; the rest of a frame is never copied out (MSG_TRUNC still gives its length).
    /// </summary>
    public const int SnapLength = 512;

    private const ushort EthPAll = 0x0003;
    private const int SolPacket = 263;
    private const int PacketIgnoreOutgoing = 23;
    private const int PacketOutgoingType = 4;
    private const int SoTimestampNs = 35;
    private const int SoRcvBuf = 8;
    private const int SoRcvBufForce = 33;
    private const int SoAttachFilter = 26;
    private const int SockAddrLlSize = 20;
    private const int ControlSize = 64;

    /// <summary>Room for bursts from tests and services sharing loopback: every frame costs its full size here, however little is read of it.</summary>
    private const int ReceiveBuffer = 32 << 20;

    private readonly Socket _socket;

    private PacketSocket(Socket socket, int interfaceIndex, bool kernelTimestamps)
    {
        _socket = socket;
        InterfaceIndex = interfaceIndex;
        KernelTimestamps = kernelTimestamps;
    }

    public int InterfaceIndex { get; }

    /// <summary>False where SO_TIMESTAMPNS was refused: frames then carry the time they were read.</summary>
    public bool KernelTimestamps { get; }

    /// <exception cref="SocketException">The socket could not be opened or bound (EPERM without CAP_NET_RAW).</exception>
    public static PacketSocket OpenLoopback(LoopbackFilter.Instruction[] filter)
    {
        int index = NetworkInterface.LoopbackInterfaceIndex;
        // Protocol 0 receives nothing until the bind names both the protocol and lo, so no frame of another
        // interface is ever queued.
        var socket = new Socket(AddressFamily.Packet, SocketType.Raw, ProtocolType.Unspecified);
        try
        {
            Attach(socket, filter);
            socket.Bind(new LinkLayerEndPoint(index, EthPAll));
            TrySet(socket, SolPacket, PacketIgnoreOutgoing, 1);
            // SO_RCVBUFFORCE passes rmem_max but needs CAP_NET_ADMIN, which CAP_NET_RAW alone lacks.
            if (!TrySet(socket, LibC.SolSocket, SoRcvBufForce, ReceiveBuffer))
            {
                TrySet(socket, LibC.SolSocket, SoRcvBuf, ReceiveBuffer);
            }
            bool timestamps = TrySet(socket, LibC.SolSocket, SoTimestampNs, 1);
            return new PacketSocket(socket, index, timestamps);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>True once a frame can be read, false when <paramref name="wait"/> passed first.</summary>
    public bool WaitReadable(TimeSpan wait) => _socket.Poll(wait, SelectMode.SelectRead);

    /// <summary>Reads one frame into <paramref name="buffer"/> without blocking; false when there was none after all.</summary>
    public bool TryRead(byte[] buffer, out CapturedFrame frame)
    {
        byte* name = stackalloc byte[SockAddrLlSize];
        byte* control = stackalloc byte[ControlSize];
        fixed (byte* data = buffer)
        {
            var iov = new LibC.IoVec { Base = data, Length = (nuint)buffer.Length };
            var message = new LibC.MsgHdr { Name = name, NameLength = SockAddrLlSize, Iov = &iov, IovLength = 1, Control = control, ControlLength = ControlSize };
            nint length = LibC.RecvMsg(_socket.SafeHandle, &message, LibC.MsgTrunc | LibC.MsgDontWait);
            if (length < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                frame = default;
                return errno is LibC.EAgain or LibC.EIntr ? false : throw new SocketException(errno);
            }
            DateTimeOffset at = KernelTime(control, (int)message.ControlLength) ?? DateTimeOffset.UtcNow;
            // sockaddr_ll: family (2), protocol (2), ifindex (4), hatype (2), pkttype (1), ...
            int interfaceIndex = *(int*)(name + 4);
            bool outgoing = name[10] == PacketOutgoingType;
            frame = new CapturedFrame((int)Math.Min(length, buffer.Length), (int)length, interfaceIndex, outgoing, at);
            return true;
        }
    }

    /// <summary>Replaces the filter program: the kernel swaps it in at once, for the next frame.</summary>
    public void Attach(LoopbackFilter.Instruction[] filter) => Attach(_socket, filter);

    public void Dispose() => _socket.Dispose();

    /// <summary>SO_ATTACH_FILTER with a struct sock_fprog: the program's length, then a pointer to it.</summary>
    private static void Attach(Socket socket, LoopbackFilter.Instruction[] filter)
    {
        Span<byte> program = stackalloc byte[2 * sizeof(nint)];
        program.Clear();
        fixed (LoopbackFilter.Instruction* code = filter)
        {
            BitConverter.TryWriteBytes(program, checked((ushort)filter.Length));
            MemoryMarshal.Write(program[sizeof(nint)..], (nint)code);
            socket.SetRawSocketOption(LibC.SolSocket, SoAttachFilter, program);
        }
    }

    /// <summary>The SCM_TIMESTAMPNS control message's struct timespec (two C longs), as CLOCK_REALTIME.</summary>
    private static DateTimeOffset? KernelTime(byte* control, int length)
    {
        int header = Align(sizeof(nuint) + 2 * sizeof(int));
        for (int offset = 0; offset + header <= length;)
        {
            long cmsgLength = (long)*(nuint*)(control + offset);
            int level = *(int*)(control + offset + sizeof(nuint));
            int type = *(int*)(control + offset + sizeof(nuint) + sizeof(int));
            if (cmsgLength < header || offset + cmsgLength > length)
            {
                return null;
            }
            if (level == LibC.SolSocket && type == SoTimestampNs && cmsgLength >= header + 2 * sizeof(nint))
            {
                long seconds = *(nint*)(control + offset + header);
                long nanoseconds = *(nint*)(control + offset + header + sizeof(nint));
                return DateTimeOffset.UnixEpoch.AddTicks((seconds * TimeSpan.TicksPerSecond) + (nanoseconds / TimeSpan.NanosecondsPerTick));
            }
            offset += Align((int)cmsgLength);
        }
        return null;
    }

    private static int Align(int length) => (length + sizeof(nuint) - 1) & ~(sizeof(nuint) - 1);

    private static bool TrySet(Socket socket, int level, int option, int value)
    {
        try
        {
            socket.SetRawSocketOption(level, option, BitConverter.GetBytes(value));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
