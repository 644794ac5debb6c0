using System.Runtime.InteropServices;

namespace Inetkit.Interop.Linux;

// Batched datagram I/O (DatagramBatch): recvmmsg and sendmmsg, up to a batch of datagrams per system call; and
// the eventfd that wakes a thread waiting in epoll (the proxy's downward relay).
internal static partial class LibC
{
    public const int MsgWaitForOne = 0x10000;
    public const int EMsgSize = 90;
    public const int EfdNonBlock = 0x800;
    public const int EfdCloExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, void* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, void* buffer, nint count);

    /// <summary>recvmmsg on a socket that .NET owns: the handle is held for the call, so closing it wakes the call.</summary>
    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static unsafe partial int RecvMmsg(SafeHandle fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static unsafe partial int SendMmsg(SafeHandle fd, MMsgHdr* messages, uint count, int flags);

    /// <summary>struct mmsghdr: a message header and the length the call moved.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
