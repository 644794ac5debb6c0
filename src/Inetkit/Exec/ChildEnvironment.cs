using System.Globalization;
using System.Net;
using Inetkit.Protocol;

namespace Inetkit.Exec;

/// <summary>
/// A child's whole environment; nothing of ours is inherited unless named. The connection is described with
/// ucspi-tcp's names (tcpserver's TCPREMOTEIP and friends, UDP's by analogy), which existing inetd-style programs
/// already read.
/// </summary>
internal static class ChildEnvironment
{
    /// <summary>The PATH a child gets, and the one setpriv is looked up in when we have none.</summary>
    public const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";

    /// <summary>
    /// PATH and LANG=C.UTF-8; PROTO=TCP with TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT (UDP: PROTO=UDP
    /// and UDP...); INETKIT_SERVICE; then each of <paramref name="passEnvironment"/>: <c>NAME</c> copies our
    /// value when we have one, <c>NAME=VALUE</c> sets it. Later entries win, so PATH can be overridden.
    /// IPv4-mapped IPv6 addresses are written as IPv4. Throws <see cref="ArgumentException"/> for an entry
    /// with an empty name or a NUL.
    /// </summary>
    public static Dictionary<string, string> Build(string service, Transport transport, IPEndPoint remote, IPEndPoint local, IReadOnlyList<string> passEnvironment)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(passEnvironment);
        if (transport is not (Transport.Tcp or Transport.Udp))
        {
            throw new ArgumentOutOfRangeException(nameof(transport), transport, "one of TCP or UDP");
        }
        string proto = transport == Transport.Tcp ? "TCP" : "UDP";
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = DefaultPath,
            ["LANG"] = "C.UTF-8",
            ["PROTO"] = proto,
            [proto + "REMOTEIP"] = Address(remote.Address),
            [proto + "REMOTEPORT"] = remote.Port.ToString(CultureInfo.InvariantCulture),
            [proto + "LOCALIP"] = Address(local.Address),
            [proto + "LOCALPORT"] = local.Port.ToString(CultureInfo.InvariantCulture),
            ["INETKIT_SERVICE"] = service,
        };
        foreach (string entry in passEnvironment)
        {
            int equals = entry.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? entry : entry[..equals];
            if (name.Length == 0 || entry.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"environment entry '{entry}' is not NAME or NAME=VALUE");
            }
            string? value = equals < 0 ? Environment.GetEnvironmentVariable(name) : entry[(equals + 1)..];
            if (value is not null)
            {
                environment[name] = value;
            }
        }
        return environment;
    }

    private static string Address(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
