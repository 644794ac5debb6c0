using System.Globalization;
using System.Net.Sockets;
using Inetkit.Interop.Linux;

namespace Inetkit.Hosting.Systemd;

/// <summary>
/// systemd's socket activation protocol (sd_listen_fds(3)): LISTEN_PID names us, LISTEN_FDS counts the sockets
/// from descriptor 3 on, LISTEN_FDNAMES names them (colon-separated, as FileDescriptorName= or
/// systemd-socket-activate --fdname set them). The variables are removed once read, as sd_listen_fds(1) does, so
/// that nothing we start takes the sockets for its own.
/// </summary>
public static class SocketActivation
{
    private const int FirstDescriptor = 3;

    /// <summary>The sockets passed to this process, or an empty list when none were (no LISTEN_PID, or another process's).</summary>
    /// <exception cref="SocketActivationException">The variables are malformed, or a descriptor is not a socket.</exception>
    public static IReadOnlyList<ActivatedSocket> Take()
    {
        string? pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        string? count = Environment.GetEnvironmentVariable("LISTEN_FDS");
        string? names = Environment.GetEnvironmentVariable("LISTEN_FDNAMES");
        if (pid is null || count is null || !OperatingSystem.IsLinux())
        {
            return [];
        }
        Environment.SetEnvironmentVariable("LISTEN_PID", null);
        Environment.SetEnvironmentVariable("LISTEN_FDS", null);
        Environment.SetEnvironmentVariable("LISTEN_FDNAMES", null);
        if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int listenPid) || listenPid != Environment.ProcessId)
        {
            return [];
        }
        if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 0)
        {
            throw new SocketActivationException($"LISTEN_FDS={count} is not a count of sockets");
        }
        string[] named = names?.Split(':') ?? [];
        var sockets = new List<ActivatedSocket>(n);
        for (int i = 0; i < n; i++)
        {
            int fd = FirstDescriptor + i;
            // Ours now: not to be inherited by the programs we start.
            _ = LibC.Fcntl(fd, LibC.FSetFd, LibC.FdCloExec);
            Socket socket;
            try
            {
                socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            }
            catch (SocketException e)
            {
                throw new SocketActivationException($"descriptor {fd} passed by systemd is not a socket ({e.Message})");
            }
            string name = i < named.Length && named[i].Length > 0 ? named[i] : "unknown";
            sockets.Add(new ActivatedSocket(name, socket));
        }
        return sockets;
    }

    /// <summary>
    /// Which service a socket is for, and over what: its name is the service's (<c>echo</c>, an exec service's name)
    /// or the service's with the transport (<c>echo.tcp</c>, <c>echo.udp</c>), and its type must agree with the latter.
    /// </summary>
    /// <exception cref="SocketActivationException">A suffix that contradicts the socket's type.</exception>
    public static string ServiceOf(ActivatedSocket socket)
    {
        string name = socket.Name;
        foreach ((string suffix, Protocol.Transport transport) in new[] { (".tcp", Protocol.Transport.Tcp), (".udp", Protocol.Transport.Udp) })
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                if (socket.Transport != transport)
                {
                    throw new SocketActivationException($"socket '{name}' passed by systemd is a {(socket.Transport == Protocol.Transport.Tcp ? "stream (TCP)" : "datagram (UDP)")} socket, not {suffix[1..]}; fix ListenStream=/ListenDatagram= or FileDescriptorName= in its unit");
                }
                return name[..^suffix.Length];
            }
        }
        return name;
    }
}
