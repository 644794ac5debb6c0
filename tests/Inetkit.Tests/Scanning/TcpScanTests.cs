using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;
using Inetkit.Scanning;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning;

/// <summary>Every TCP state against real loopback listeners on ephemeral ports, on both engines (Linux epoll and portable).</summary>
public sealed class TcpScanTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAndClosedPorts_AreReportedAsNmapWould(bool portable)
    {
        using var timeout = TestTimeout.Create();
        using Socket a = Listener(IPAddress.Loopback), b = Listener(IPAddress.Loopback);
        int open1 = Port(a), open2 = Port(b), closed1 = ClosedPort.Tcp(), closed2 = ClosedPort.Tcp();
        var scanner = new PortScanner(new ScanOptions { Portable = portable, Timeout = TimeSpan.FromSeconds(5) });

        ScanReport report = await scanner.RunAsync(new ScanPlan([new ScanHost(IPAddress.Loopback)], [open1, closed1, open2, closed2], []), keepAll: true, timeout.Token);
        var results = report.Hosts.Single().Ports.ToDictionary(r => r.Port);

        Assert.Equal((PortState.Open, "syn-ack"), (results[open1].State, results[open1].Reason));
        Assert.Equal(PortState.Open, results[open2].State);
        Assert.Equal((PortState.Closed, "conn-refused"), (results[closed1].State, results[closed1].Reason));
        Assert.Equal(PortState.Closed, results[closed2].State);
        Assert.All(results.Values, r => Assert.Equal(Transport.Tcp, r.Protocol));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IPv6Loopback(bool portable)
    {
        using var timeout = TestTimeout.Create();
        using Socket listener = Listener(IPAddress.IPv6Loopback);
        var scanner = new PortScanner(new ScanOptions { Portable = portable });

        PortResult result = await scanner.ProbeAsync(IPAddress.IPv6Loopback, Transport.Tcp, Port(listener), timeout.Token);

        Assert.Equal(PortState.Open, result.State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListenerWithAFullAcceptQueue_DropsTheSyn_Filtered(bool portable)
    {
        using var timeout = TestTimeout.Create();
        // Backlog 0 and nobody accepting: once one connection waits in the queue, Linux drops further SYNs,
        // which is exactly what a firewall that drops looks like from here.
        using Socket listener = Listener(IPAddress.Loopback, backlog: 0);
        using Socket waiting = await Net.ConnectAsync((IPEndPoint)listener.LocalEndPoint!, timeout.Token);
        var scanner = new PortScanner(new ScanOptions { Portable = portable, Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 });

        PortResult result = await scanner.ProbeAsync(IPAddress.Loopback, Transport.Tcp, Port(listener), timeout.Token);

        Assert.Equal((PortState.Filtered, "no-response"), (result.State, result.Reason));
    }

    [Fact]
    public void ConnectionToItself_IsRecognised()
    {
        // Bind to a port and connect to that same address and port: TCP simultaneous open with itself, the thing
        // a loopback scan of an ephemeral port can stumble into.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Connect(socket.LocalEndPoint!);

        Assert.True(Inetkit.Scanning.Internal.ProbeLane.IsConnectedToItself(socket));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenPortProbe_LeavesNoTimeWait(bool portable)
    {
        using var timeout = TestTimeout.Create();
        using Socket listener = Listener(IPAddress.Loopback);
        int port = Port(listener);
        var scanner = new PortScanner(new ScanOptions { Portable = portable });
        // Other tests' connections come and go beside this one, and an earlier client may have had this very
        // number as its own port: only a TIME_WAIT toward the listener that was not there before is the probe's.
        HashSet<string> before = await TimeWaitsTowardAsync(port, timeout.Token);

        await scanner.ProbeAsync(IPAddress.Loopback, Transport.Tcp, port, timeout.Token);

        HashSet<string> after = await TimeWaitsTowardAsync(port, timeout.Token);
        Assert.Empty(after.Except(before));
    }

    /// <summary>/proc/net/tcp's TIME_WAIT sockets (state 06) whose remote end is 127.0.0.1:<paramref name="port"/>, as "local remote".</summary>
    private static async Task<HashSet<string>> TimeWaitsTowardAsync(int port, CancellationToken cancellationToken)
    {
        string remote = $"0100007F:{port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture)}";
        string[] lines = await File.ReadAllLinesAsync("/proc/net/tcp", cancellationToken);
        return [.. lines.Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 3 && f[2] == remote && f[3] == "06")
            .Select(f => $"{f[1]} {f[2]}")];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WideRange_FindsExactlyThePortsTheKernelListsAsListening(bool portable)
    {
        using var timeout = TestTimeout.Create();
        var listeners = Enumerable.Range(0, 5).Select(_ => Listener(IPAddress.Loopback)).ToList();
        try
        {
            // Two thousand refusals on few sockets, so every slot is used again and again, with the listeners among them.
            // The band lies below the ephemeral range, where no test binds (they all bind port 0), so nothing there
            // can open and close unseen between the two snapshots of the kernel's table.
            int[] ports = BandOutsideTheEphemeralRange(2_000).Concat(listeners.Select(Port)).Distinct().Order().ToArray();
            HashSet<int> before = ListeningOnLoopback();

            ScanReport report = await new PortScanner(new ScanOptions { Portable = portable, Concurrency = 64 }).RunAsync(new ScanPlan([new ScanHost(IPAddress.Loopback)], ports, []), keepAll: true, timeout.Token);

            HashSet<int> after = ListeningOnLoopback();
            var results = report.Hosts.Single().Ports.ToDictionary(p => p.Port);
            Assert.Equal(ports.Length, results.Count);
            Assert.All(listeners.Select(Port), p => Assert.Equal(PortState.Open, results[p].State));
            foreach (int port in ports)
            {
                // A daemon could start or stop meanwhile: judge only the ports the kernel agreed on before and after.
                if (before.Contains(port) && after.Contains(port))
                {
                    Assert.Equal(PortState.Open, results[port].State);
                }
                else if (!before.Contains(port) && !after.Contains(port))
                {
                    Assert.Equal(PortState.Closed, results[port].State);
                }
            }
            Assert.True(report.Complete);
        }
        finally
        {
            listeners.ForEach(l => l.Dispose());
        }
    }

    /// <summary>Ports just below the ephemeral range (or just above it), which bind(port 0) never hands out.</summary>
    internal static IEnumerable<int> BandOutsideTheEphemeralRange(int count)
    {
        string[] range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        int low = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture), high = int.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture);
        return low > count + 1024 ? Enumerable.Range(low - count, count) : Enumerable.Range(high + 1, Math.Min(count, 65535 - high));
    }

    /// <summary>Ports with a TCP listener on 127.0.0.1 or 0.0.0.0, from the kernel's own table (state 0A is LISTEN).</summary>
    private static HashSet<int> ListeningOnLoopback() =>
        File.ReadAllLines("/proc/net/tcp").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[3] == "0A" && (f[1].StartsWith("0100007F:", StringComparison.Ordinal) || f[1].StartsWith("00000000:", StringComparison.Ordinal)))
            .Select(f => int.Parse(f[1][9..], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture))
            .ToHashSet();

    private static Socket Listener(IPAddress address, int backlog = 16)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        socket.Listen(backlog);
        return socket;
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;
}
