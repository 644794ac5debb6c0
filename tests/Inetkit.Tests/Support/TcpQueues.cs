using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Inetkit.Tests.Support;

/// <summary>What a test's own TCP socket still holds, as Linux tells it (tcp(7)).</summary>
internal static partial class TcpQueues
{
    private const ulong SiocOutQ = 0x5411;

    /// <summary>The bytes sent and not yet acknowledged: 0 once the peer's kernel has all of them queued.</summary>
    public static int Unacknowledged(Socket socket)
    {
        if (Ioctl((int)socket.Handle, SiocOutQ, out int queued) != 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }
        return queued;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, out int value);
}
