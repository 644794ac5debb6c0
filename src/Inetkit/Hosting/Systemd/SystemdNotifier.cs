using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Inetkit.Hosting.Systemd;

/// <summary>
/// sd_notify(3): one datagram of KEY=VALUE lines to the AF_UNIX socket named by NOTIFY_SOCKET (a path, or an
/// abstract name written with a leading @), sent whenever that variable is set, as libsystemd does. Written here
/// rather than taken from Microsoft.Extensions.Hosting.Systemd, which notifies only when INVOCATION_ID is set or
/// the parent is systemd, and so stays silent under systemd-socket-activate and any supervisor but systemd itself.
/// A notifier that cannot send says nothing: systemd's protocol is best-effort for the service.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _target;
    private readonly ITimer? _watchdog;

    /// <summary>A notifier for NOTIFY_SOCKET; <see cref="Enabled"/> is false when it is unset. Starts the watchdog's pings when WATCHDOG_USEC asks for them.</summary>
    public SystemdNotifier(TimeProvider? clock = null)
    {
        string? path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path) || !(path[0] is '/' or '@'))
        {
            return;
        }
        try
        {
            _target = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        }
        catch (Exception e) when (e is SocketException or ArgumentException or PlatformNotSupportedException)
        {
            return;
        }
        if (WatchdogInterval() is { } interval)
        {
            // Half the interval, as sd_watchdog_enabled(3) advises.
            _watchdog = (clock ?? TimeProvider.System).CreateTimer(_ => Send("WATCHDOG=1"), null, interval / 2, interval / 2);
        }
    }

    /// <summary>NOTIFY_SOCKET is set and usable.</summary>
    public bool Enabled => _socket is not null;

    /// <summary>Every listener serves.</summary>
    public void Ready(string status) => Send($"READY=1\nSTATUS={status}");

    /// <summary>A reload begins (SIGHUP); <see cref="Ready"/> follows when it is done, whether it took or not.</summary>
    public void Reloading() => Send($"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds().ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The stop has begun.</summary>
    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={status}");

    /// <summary>What <c>systemctl status</c> shows.</summary>
    public void Status(string status) => Send($"STATUS={status}");

    /// <summary>Sends one notification of newline-separated KEY=VALUE assignments.</summary>
    public void Send(string assignments)
    {
        if (_socket is null)
        {
            return;
        }
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(assignments), SocketFlags.None, _target!);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The manager went away or the socket is full: nothing the service can do about it.
        }
    }

    /// <summary>WATCHDOG_USEC, when it is set for us (WATCHDOG_PID, if set, names this process).</summary>
    private static TimeSpan? WatchdogInterval()
    {
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (pid is not null && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }
        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out long usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }

    // CLOCK_MONOTONIC, which is what Stopwatch reads on Linux.
    private static long MonotonicMicroseconds() => (long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1_000_000.0 / System.Diagnostics.Stopwatch.Frequency));

    /// <inheritdoc/>
    public void Dispose()
    {
        _watchdog?.Dispose();
        _socket?.Dispose();
    }
}
