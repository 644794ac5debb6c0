namespace Inetkit.Interop.Linux;

// Switching a socket between blocking and non-blocking under .NET's feet: a program given an accepted socket as
// its stdin and stdout expects blocking reads, as every inetd child does.
internal static partial class LibC
{
    public const int FSetFd = 2;
    public const int FdCloExec = 1;

    /// <summary>Sets or clears O_NONBLOCK on <paramref name="fd"/>; false if the kernel refused.</summary>
    public static bool SetNonBlocking(int fd, bool nonBlocking)
    {
        int flags = Fcntl(fd, FGetFl, 0);
        if (flags < 0)
        {
            return false;
        }
        int wanted = nonBlocking ? flags | ONonBlock : flags & ~ONonBlock;
        return wanted == flags || Fcntl(fd, FSetFl, wanted) == 0;
    }
}
