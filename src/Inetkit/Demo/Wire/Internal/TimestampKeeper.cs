using System.Net.Sockets;
using Inetkit.Interop.Linux;

namespace Inetkit.Demo.Wire.Internal;

/// <summary>
/// Keeps the kernel's receive timestamps on for as long as the process runs, once a capture has opened. The kernel
/// stamps frames while any socket has asked for timestamps, and turns stamping on and off from a work queue a
/// moment after the count changes: a capture opened just as another closed could see stamping turned off under it
/// for a while, its frames stamped only as they are read. A socket that never closes keeps the count above zero.
/// </summary>
internal static class TimestampKeeper
{
    private const int SoTimestampNs = 35;

    private static readonly Lock Gate = new();
    private static Socket? _held;

    public static void Hold()
    {
        lock (Gate)
        {
            if (_held is not null)
            {
                return;
            }
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.SetRawSocketOption(LibC.SolSocket, SoTimestampNs, BitConverter.GetBytes(1));
                _held = socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }
    }
}
