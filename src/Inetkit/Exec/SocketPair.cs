using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Inetkit.Interop.Linux;
using Microsoft.Win32.SafeHandles;

namespace Inetkit.Exec;

/// <summary>
/// A connected AF_UNIX stream pair: our end as a <see cref="Socket"/>, whose async reads and writes are driven by
/// .NET's epoll thread (an anonymous pipe's FileStream would hold a pool thread per child), and the child's end as
/// a bare descriptor to give <see cref="ChildProcess.Spawn"/> as stdin, stdout or stderr.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class SocketPair
{
    /// <summary>
    /// Both ends are the caller's and carry O_CLOEXEC, so no other child inherits them. Dispose
    /// <c>Child</c> straight after the spawn (the child has its own copy then): our end sees end of stream only
    /// once every copy of the child's end is closed.
    /// </summary>
    public static unsafe (Socket Ours, SafeFileHandle Child) Create()
    {
        int* fds = stackalloc int[2];
        if (LibC.SocketPair(LibC.AfUnix, LibC.SockStream | LibC.SockCloExec, 0, fds) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot create a socket pair: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        var child = new SafeFileHandle(fds[1], ownsHandle: true);
        var ours = new SafeSocketHandle(fds[0], ownsHandle: true);
        try
        {
            return (new Socket(ours), child);
        }
        catch
        {
            ours.Dispose();
            child.Dispose();
            throw;
        }
    }
}
