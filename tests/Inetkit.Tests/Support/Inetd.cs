using System.Diagnostics;
using System.Globalization;
using Inetkit.Protocol;

namespace Inetkit.Tests.Support;

/// <summary>
/// A Debian inetd (openbsd-inetd, inetutils-inetd) running its internal services on loopback ports of our
/// choosing. The packages conflict with each other and start on the real ports when installed, so .ci/run only
/// unpacks them (apt-get download, dpkg -x) under <see cref="Root"/>, and the binary is run here in the
/// foreground with a config file of its own. Its internal services are found by their /etc/services name, so it
/// runs in a mount namespace of its own where a private services file is bind-mounted over /etc/services: the
/// machine's file and everything else on it stay as they are. Needs root (the namespace, and "user root").
/// </summary>
internal sealed class Inetd : IAsyncDisposable
{
    /// <summary>Where .ci/run unpacks the packages: one directory each, named after the package.</summary>
    public const string Root = "/opt/inetkit-peers";

    /// <summary>
    /// openbsd-inetd: <c>-d</c> keeps it in the foreground and logs to stderr. It also binds ::1, since it answers
    /// no datagram from 127.0.0.0/8 (its dg_badinput), so its UDP services can be checked only over IPv6.
    /// </summary>
    public static readonly Flavour OpenBsd = new("openbsd-inetd", "usr/sbin/inetd", Ipv6: true, (_, config) => ["-d", config]);

    /// <summary>inetutils-inetd: <c>-d</c> likewise; its pid file goes to our directory, not /run/inetd.pid.</summary>
    public static readonly Flavour Inetutils = new("inetutils-inetd", "usr/sbin/inetutils-inetd", Ipv6: false, (directory, config) => ["-d", $"--pidfile={Path.Combine(directory, "pid")}", config]);

    private readonly ChildProcess _process;
    private readonly string _directory;

    private Inetd(ChildProcess process, string directory, IReadOnlyDictionary<ServiceKind, int> ports)
    {
        _process = process;
        _directory = directory;
        Ports = ports;
    }

    /// <summary>Each service's port, the same for TCP and UDP (and on ::1), as the private /etc/services says.</summary>
    public IReadOnlyDictionary<ServiceKind, int> Ports { get; }

    /// <summary>What the inetd wrote on stderr (with -d: each service added, each request).</summary>
    public string Log => _process.Err.ToString();

    /// <summary>
    /// Starts <paramref name="flavour"/> with each of <paramref name="services"/> internal over TCP and UDP on
    /// 127.0.0.1 (and ::1, if the flavour says) at a free port of its own, and returns once the inetd itself holds
    /// every one of those sockets.
    /// </summary>
    public static async Task<Inetd> StartAsync(Flavour flavour, ServiceKind[] services, CancellationToken cancellationToken)
    {
        string binary = Path.Combine(Root, flavour.Package, flavour.Binary);
        if (!File.Exists(binary))
        {
            Assert.Skip($"{flavour.Package} is not unpacked at {binary} (.ci/run does: apt-get download {flavour.Package}; dpkg -x)");
        }
        if (Environment.UserName != "root")
        {
            Assert.Skip($"{flavour.Package} needs root here (a mount namespace for its /etc/services, and its services run as root)");
        }
        if (!File.Exists("/usr/bin/unshare") || !File.Exists("/etc/services"))
        {
            Assert.Skip("needs unshare and an /etc/services to mount over (util-linux, netbase)");
        }
        var ports = services.Zip(FreePorts.ForTcpAndUdp(services.Length, flavour.Ipv6)).ToDictionary(p => p.First, p => p.Second);
        string directory = Directory.CreateTempSubdirectory($"inetkit-{flavour.Package}-").FullName;
        string servicesFile = Path.Combine(directory, "services");
        string config = Path.Combine(directory, "inetd.conf");
        await File.WriteAllTextAsync(servicesFile, string.Concat(ports.Select(p =>
            $"{WellKnownPorts.Name(p.Key)}\t{p.Value}/tcp\n{WellKnownPorts.Name(p.Key)}\t{p.Value}/udp\n")), cancellationToken);
        string[] hosts = flavour.Ipv6 ? ["127.0.0.1", "::1"] : ["127.0.0.1"];
        await File.WriteAllTextAsync(config, string.Concat(
            from host in hosts
            from service in ports.Keys
            let v6 = host == "::1" ? "6" : ""
            select $"{host}:{WellKnownPorts.Name(service)} stream tcp{v6} nowait root internal\n{host}:{WellKnownPorts.Name(service)} dgram udp{v6} wait root internal\n"), cancellationToken);

        // unshare (no --fork) execs the shell, which execs the inetd: one process, whose tree is killed on dispose.
        var info = new ProcessStartInfo("/usr/bin/unshare")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--mount", "--propagation", "private", "sh", "-c", "mount --bind \"$1\" /etc/services && shift && exec \"$@\"", "sh", servicesFile, binary })
        {
            info.ArgumentList.Add(arg);
        }
        foreach (string arg in flavour.Arguments(directory, config))
        {
            info.ArgumentList.Add(arg);
        }
        var inetd = new Inetd(new ChildProcess(Process.Start(info)!), directory, ports);
        try
        {
            await inetd.WaitUntilBoundAsync(ports.Values, flavour.Ipv6, cancellationToken);
        }
        catch
        {
            await inetd.DisposeAsync();
            throw;
        }
        return inetd;
    }

    /// <summary>
    /// Polls (bounded) until the inetd's own descriptors include a listening TCP and a bound UDP socket on
    /// 127.0.0.1 (and ::1) at every port, as /proc shows them: no request is sent before the cases' own.
    /// </summary>
    private async Task WaitUntilBoundAsync(IEnumerable<int> ports, bool ipv6, CancellationToken cancellationToken)
    {
        string[] tables = ipv6 ? ["tcp", "udp", "tcp6", "udp6"] : ["tcp", "udp"];
        var wanted = ports.SelectMany(p => tables.Select(t => (t, p))).ToHashSet();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(10));
        while (!wanted.IsSubsetOf(BoundSockets(_process.Id)))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the inetd exited with {await _process.WaitForExitAsync(cancellationToken)}: {Log}");
            }
            try
            {
                await Task.Delay(20, bound.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the inetd did not bind all of {string.Join(", ", wanted)} within 10 s: {Log}");
            }
        }
    }

    /// <summary>(/proc/net table, port) of each socket of process <paramref name="pid"/> listening (TCP) or bound (UDP) on 127.0.0.1 or ::1.</summary>
    private static HashSet<(string, int)> BoundSockets(int pid)
    {
        var inodes = new HashSet<string>();
        try
        {
            foreach (string fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Exiting, or a descriptor closed while listed: the next poll tells.
        }
        var sockets = new HashSet<(string, int)>();
        // The kernel's hex of 127.0.0.1 and ::1 (in host-order words), and the states: 0A TCP LISTEN, 07 UDP bound.
        foreach ((string table, string loopback, string state) in new[]
            { ("tcp", "0100007F", "0A"), ("udp", "0100007F", "07"), ("tcp6", "00000000000000000000000001000000", "0A"), ("udp6", "00000000000000000000000001000000", "07") })
        {
            if (!File.Exists($"/proc/net/{table}"))
            {
                continue;
            }
            foreach (string line in File.ReadLines($"/proc/net/{table}").Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                string[] local = fields[1].Split(':');
                if (local[0] == loopback && fields[3] == state && inodes.Contains(fields[9]))
                {
                    sockets.Add((table, int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
                }
            }
        }
        return sockets;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>
    /// A Debian inetd package: its name (and directory under <see cref="Root"/>), its binary inside, whether it
    /// binds ::1 as well, and its arguments (from our directory and the config file).
    /// </summary>
    internal sealed record Flavour(string Package, string Binary, bool Ipv6, Func<string, string, string[]> Arguments);
}
