using System.Net;
using System.Net.Sockets;

namespace Inetkit.Tests.Support;

/// <summary>
/// Loopback ports for a real server that takes its ports from a config file: each free for TCP and UDP alike (an
/// inetd serves a service over both on one port, as /etc/services lists it), on 127.0.0.1 and optionally ::1 too,
/// and all different.
/// </summary>
internal static class FreePorts
{
    /// <summary>
    /// <paramref name="count"/> ports the kernel handed out for TCP on 127.0.0.1 and that UDP (and with
    /// <paramref name="ipv6"/>, TCP and UDP on ::1) could bind too. Every socket is held until all are chosen, so
    /// the kernel cannot hand the same port out twice.
    /// </summary>
    public static int[] ForTcpAndUdp(int count, bool ipv6 = false)
    {
        var held = new List<Socket>();
        try
        {
            var ports = new List<int>();
            for (int attempt = 0; ports.Count < count; attempt++)
            {
                Assert.True(attempt < 100 * count, $"no port free for both TCP and UDP after {attempt} tries");
                var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                held.Add(tcp);
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
                try
                {
                    foreach ((IPAddress address, SocketType type) in ipv6
                        ? new[] { (IPAddress.Loopback, SocketType.Dgram), (IPAddress.IPv6Loopback, SocketType.Stream), (IPAddress.IPv6Loopback, SocketType.Dgram) }
                        : [(IPAddress.Loopback, SocketType.Dgram)])
                    {
                        var other = new Socket(address.AddressFamily, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
                        held.Add(other);
                        other.Bind(new IPEndPoint(address, port));
                    }
                    ports.Add(port);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    // Taken for UDP or on ::1 by someone else: the next one.
                }
            }
            return [.. ports];
        }
        finally
        {
            foreach (Socket socket in held)
            {
                socket.Dispose();
            }
        }
    }
}
