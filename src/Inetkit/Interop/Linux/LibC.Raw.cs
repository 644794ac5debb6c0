using System.Runtime.InteropServices;

namespace Inetkit.Interop.Linux;

// Raw sockets for the SYN scan (SynScanEngine): SOCK_RAW for TCP, ICMP and ICMPv6, a classic BPF filter that keeps
// only the replies to our port, and the unwrapped sendto and recvmmsg it runs on.
internal static partial class LibC
{
    public const int SockRaw = 3;
    public const int IpProtoIcmp = 1;
    public const int IpProtoTcp = 6;
    public const int IpProtoIcmpV6 = 58;
    public const int SoRcvBufForce = 33;
    public const int SoAttachFilter = 26;

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static unsafe partial nint SendTo(int fd, byte* buffer, nint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static unsafe partial int RecvMmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    /// <summary>struct sock_filter: one classic BPF instruction.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockFilter(ushort code, byte jumpTrue, byte jumpFalse, uint k)
    {
        public ushort Code = code;
        public byte JumpTrue = jumpTrue;
        public byte JumpFalse = jumpFalse;
        public uint K = k;
    }

    /// <summary>struct sock_fprog.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }
}
