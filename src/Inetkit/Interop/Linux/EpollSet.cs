using System.Runtime.InteropServices;

namespace Inetkit.Interop.Linux;

/// <summary>
/// An epoll set with an eventfd in it, for a thread that waits on many descriptors and is handed work by other threads:
/// <see cref="Wake"/> ends its wait. The eventfd's epoll data is <see cref="WakeData"/>, so the others' must not be 0.
/// </summary>
internal sealed unsafe class EpollSet
{
    public const long WakeData = 0;

    private readonly int _epoll;
    private readonly int _wake;

    private EpollSet(int epoll, int wake)
    {
        _epoll = epoll;
        _wake = wake;
        _ = LibC.EpollAdd(_epoll, _wake, LibC.EpollIn, WakeData);
    }

    /// <summary>A new set, or null if the kernel gives no descriptor for it.</summary>
    public static EpollSet? TryCreate()
    {
        int epoll = LibC.EpollCreate1(LibC.EpollCloExec);
        if (epoll < 0)
        {
            return null;
        }
        int wake = LibC.EventFd(0, LibC.EfdNonBlock | LibC.EfdCloExec);
        if (wake < 0)
        {
            LibC.Close(epoll);
            return null;
        }
        return new EpollSet(epoll, wake);
    }

    public bool Add(int fd, uint events, long data) => LibC.EpollAdd(_epoll, fd, events, data) == 0;

    public void Modify(int fd, uint events, long data) => _ = LibC.EpollModify(_epoll, fd, events, data);

    public void Delete(int fd) => _ = LibC.EpollDelete(_epoll, fd);

    /// <summary>Ends the waiter's wait (any thread).</summary>
    public void Wake()
    {
        long one = 1;
        LibC.Write(_wake, &one, sizeof(long));
    }

    /// <summary>Waits for events (a signal's interruption is waited through); the number ready, or -1 if epoll_wait failed.</summary>
    public int Wait(byte* events, int max)
    {
        while (true)
        {
            int ready = LibC.EpollWait(_epoll, events, max, -1);
            if (ready >= 0 || Marshal.GetLastPInvokeError() != LibC.EIntr)
            {
                return ready;
            }
        }
    }

    /// <summary>Takes the wake-ups counted so far, after an event with <see cref="WakeData"/>.</summary>
    public void TakeWake()
    {
        long count;
        LibC.Read(_wake, &count, sizeof(long));
    }

    public void Close()
    {
        LibC.Close(_wake);
        LibC.Close(_epoll);
    }
}
