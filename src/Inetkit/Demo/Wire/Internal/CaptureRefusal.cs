using System.Net.Sockets;

namespace Inetkit.Demo.Wire.Internal;

/// <summary>The one line a capture that cannot open says, so the demo can print it and go on without the packets.</summary>
internal static class CaptureRefusal
{
    private const string GoesOn = "the demo goes on without the packets";

    public const string NotLinux = $"--wire captures on Linux only (an AF_PACKET socket on lo); {GoesOn}";

    public const string NoPrivilege = $"--wire needs root or CAP_NET_RAW (run with sudo, or: sudo setcap cap_net_raw+ep $(command -v inetkit)); {GoesOn}";

    /// <summary>The line for a packet socket the kernel would not open or bind: EPERM and EACCES (both AccessDenied to .NET) mean privilege.</summary>
    public static string Explain(SocketException e) => e.SocketErrorCode == SocketError.AccessDenied
        ? NoPrivilege
        : $"--wire could not open a packet socket on lo ({e.Message}); {GoesOn}";
}
