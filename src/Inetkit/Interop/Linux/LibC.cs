using System.Runtime.InteropServices;

namespace Inetkit.Interop.Linux;

/// <summary>The few Linux system calls made unwrapped: the connect-scan engine (socket, connect, epoll, close), the reply services' accept loop (accept4, send, recv, shutdown, close) and the loopback capture's reads (recvmsg, for the kernel's timestamp and the packet's direction).</summary>
internal static partial class LibC
{
    public const int AfInet = 2;
    public const int AfInet6 = 10;
    public const int SockStream = 1;
    public const int SockNonBlock = 0x800;
    public const int SockCloExec = 0x80000;
    public const int SolSocket = 1;
    public const int SoError = 4;
    public const int SoLinger = 13;
    public const int SoType = 3;
    public const int MsgTrunc = 0x20;
    public const int MsgDontWait = 0x40;
    public const int MsgNoSignal = 0x4000;
    public const int MsgMore = 0x8000;
    public const int ShutWr = 1;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollEt = 1u << 31;

    public const int EPerm = 1;
    public const int EBadF = 9;
    public const int ENoMem = 12;
    public const int EInval = 22;
    public const int EFault = 14;
    public const int EOpNotSupp = 95;
    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int EAcces = 13;
    public const int ENFile = 23;
    public const int EMFile = 24;
    public const int ENoBufs = 105;
    public const int EAddrInUse = 98;
    public const int EAddrNotAvail = 99;
    public const int ENetDown = 100;
    public const int ENetUnreach = 101;
    public const int ENotConn = 107;
    public const int ETimedOut = 110;
    public const int EConnRefused = 111;
    public const int EHostDown = 112;
    public const int EHostUnreach = 113;
    public const int EAlready = 114;
    public const int EInProgress = 115;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    public static unsafe partial int Connect(int fd, byte* address, int length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static unsafe partial int GetSockOpt(int fd, int level, int name, void* value, int* length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static unsafe partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static unsafe partial int GetSockName(int fd, byte* address, int* length);

    [LibraryImport("libc", EntryPoint = "getpeername", SetLastError = true)]
    public static unsafe partial int GetPeerName(int fd, byte* address, int* length);

    /// <summary>accept4 on a listener that .NET owns: the handle is held for the call, so closing it wakes the call.</summary>
    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    public static unsafe partial int Accept4(SafeHandle listener, byte* address, int* length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static unsafe partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static unsafe partial nint Recv(int fd, byte* buffer, nint length, int flags);

    /// <summary>recvmsg on a socket that .NET owns: the handle is held for the call, so a close cannot free the descriptor under it.</summary>
    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    public static unsafe partial nint RecvMsg(SafeHandle fd, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static unsafe partial int EpollCtl(int epoll, int operation, int fd, byte* evt);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static unsafe partial int EpollWait(int epoll, byte* events, int maxEvents, int timeoutMilliseconds);

    /// <summary>epoll_ctl(EPOLL_CTL_ADD) of <paramref name="fd"/> for <paramref name="events"/>, with <paramref name="data"/> as the event's data: 0, or -1 with the errno set.</summary>
    public static int EpollAdd(int epoll, int fd, uint events, long data) => EpollControl(epoll, EpollCtlAdd, fd, events, data);

    /// <summary>epoll_ctl(EPOLL_CTL_MOD): <paramref name="fd"/>, already watched, now for <paramref name="events"/>.</summary>
    public static int EpollModify(int epoll, int fd, uint events, long data) => EpollControl(epoll, EpollCtlMod, fd, events, data);

    /// <summary>
    /// epoll_ctl(EPOLL_CTL_DEL). Closing a descriptor takes it out of an epoll set only once no other descriptor
    /// shares its file: a child between posix_spawn's clone and exec holds a copy of every one, and the set would go
    /// on reporting a connection already closed.
    /// </summary>
    public static int EpollDelete(int epoll, int fd) => EpollControl(epoll, EpollCtlDel, fd, 0, 0);

    private static unsafe int EpollControl(int epoll, int operation, int fd, uint events, long data)
    {
        byte* evt = stackalloc byte[16];
        new Span<byte>(evt, 16).Clear();
        *(uint*)evt = events;
        *(long*)(evt + EpollDataOffset) = data;
        return EpollCtl(epoll, operation, fd, evt);
    }

    /// <summary>
    /// struct epoll_event is packed on x86-64 (12 bytes: events, then the 64-bit data at offset 4) and naturally
    /// aligned elsewhere (16 bytes, data at offset 8).
    /// </summary>
    public static int EpollEventSize => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static int EpollDataOffset => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr as glibc lays it out (sequential layout pads msg_namelen to the next pointer).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }
}
