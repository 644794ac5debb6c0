using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Inetkit.Interop.Linux;

/// <summary>
/// The kernel's own counts for a TCP socket (getsockopt TCP_INFO): what a program that holds the socket itself
/// moved, which no stream of ours saw. Offsets are struct tcp_info's in linux/tcp.h (checked with offsetof on
/// Linux 6; bytes_sent and bytes_retrans exist since 4.19, and a shorter reply leaves them unread).
/// </summary>
internal readonly record struct TcpInfo(uint MillisecondsSinceSend, uint MillisecondsSinceReceive, long BytesReceived, long BytesOut)
{
    private const int IpProtoTcp = 6;
    private const int TcpInfoOption = 11;
    private const int Size = 232;
    private const byte TimeWait = 6;
    private const byte CloseWait = 8;
    private const byte LastAck = 9;
    private const byte Closing = 11;

    /// <summary>The socket's counts, or null where the kernel will not say (not Linux, not TCP, closed).</summary>
    public static unsafe TcpInfo? Read(SafeHandle socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        byte* info = stackalloc byte[Size];
        int length = Size;
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            if (LibC.GetSockOpt((int)socket.DangerousGetHandle(), IpProtoTcp, TcpInfoOption, info, &length) != 0 || length < 136)
            {
                return null;
            }
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
        var bytes = new ReadOnlySpan<byte>(info, length);
        long received = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes[128..]);
        // bytes_received is how far rcv_nxt moved, and the peer's FIN moves it by one: not a byte it sent.
        if (bytes[0] is CloseWait or LastAck or Closing or TimeWait && received > 0)
        {
            received--;
        }
        // Written by the program = sent once (sent less retransmitted) plus what still waits in the send queue;
        // without bytes_sent, what the peer acknowledged.
        long sent = length >= 216
            ? (long)(BinaryPrimitives.ReadUInt64LittleEndian(bytes[200..]) - BinaryPrimitives.ReadUInt64LittleEndian(bytes[208..])) + BinaryPrimitives.ReadUInt32LittleEndian(bytes[144..])
            : (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes[120..]);
        return new TcpInfo(BinaryPrimitives.ReadUInt32LittleEndian(bytes[44..]), BinaryPrimitives.ReadUInt32LittleEndian(bytes[52..]), received, sent);
    }
}
