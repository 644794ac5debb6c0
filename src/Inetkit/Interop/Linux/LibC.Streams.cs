using System.Runtime.InteropServices;

namespace Inetkit.Interop.Linux;

// The stream connections' epoll loops (Hosting/Internal/Linux/EpollStreams, Proxy/Internal/Linux/EpollRelay): TCP
// options set on the bare descriptor, the peer's half-close as an event of its own, the non-blocking send, and what
// the kernel holds queued (discard's idle scan, and the tests).
internal static partial class LibC
{
    public const int TcpNoDelay = 1;
    public const uint EpollRdHup = 0x2000;
    public const int SoRcvLowat = 18;
    private const ulong SiocInQ = 0x541B;
    private const ulong SiocOutQ = 0x5411;

    /// <summary>The bytes queued unread on a TCP socket (SIOCINQ); -1 if the kernel refused to say.</summary>
    public static int Queued(int fd) => IoctlInt(fd, SiocInQ);

    /// <summary>The bytes sent on a TCP socket and not yet acknowledged by the peer (SIOCOUTQ); -1 if the kernel refused to say.</summary>
    public static int Unacknowledged(int fd) => IoctlInt(fd, SiocOutQ);

    private static unsafe int IoctlInt(int fd, ulong request)
    {
        int value;
        return Ioctl(fd, request, &value) == 0 ? value : -1;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, ulong request, int* value);

    /// <summary>setsockopt of an int option; 0, or -1 with the errno set.</summary>
    public static unsafe int SetSockOptInt(int fd, int level, int name, int value) => SetSockOpt(fd, level, name, &value, sizeof(int));

    /// <summary>
    /// Sends on a non-blocking stream what the kernel takes now: the count sent, short of <paramref name="length"/>
    /// once its buffer is full; <paramref name="failed"/> when the connection has failed (reset, or gone) on the way.
    /// </summary>
    public static unsafe int SendWhatFits(int fd, byte* data, int length, out bool failed)
    {
        int sent = 0;
        failed = false;
        while (sent < length)
        {
            nint now = Send(fd, data + sent, length - sent, MsgNoSignal);
            if (now < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr)
                {
                    continue;
                }
                failed = errno != EAgain;
                break;
            }
            sent += (int)now;
        }
        return sent;
    }

    /// <summary>Closes with a reset (SO_LINGER 0): the peer learns at once that nothing more comes, and cannot take it for a clean end.</summary>
    public static unsafe void ResetAndClose(int fd)
    {
        int* linger = stackalloc int[2] { 1, 0 };
        _ = SetSockOpt(fd, SolSocket, SoLinger, linger, 2 * sizeof(int));
        Close(fd);
    }
}
