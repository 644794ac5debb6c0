using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;
using Inetkit.Scanning;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning;

/// <summary>Every TCP state against real loopback listeners on ephemeral ports.</summary>
public sealed class TcpScanTests
{
    [Fact]
    public async Task OpenAndClosedPorts_AreReportedAsNmapWould()
    {
        using var timeout = TestTimeout.Create();
        using Socket a = Listener(IPAddress.Loopback), b = Listener(IPAddress.Loopback);
        int open1 = Port(a), open2 = Port(b), closed1 = ClosedPort.Tcp(), closed2 = ClosedPort.Tcp();
        var scanner = new PortScanner(new ScanOptions { Timeout = TimeSpan.FromSeconds(5) });

        ScanReport report = await scanner.RunAsync(new ScanPlan([new ScanHost(IPAddress.Loopback)], [open1, closed1, open2, closed2], []), keepAll: true, timeout.Token);
        var results = report.Hosts.Single().Ports.ToDictionary(r => r.Port);

        Assert.Equal((PortState.Open, "syn-ack"), (results[open1].State, results[open1].Reason));
        Assert.Equal(PortState.Open, results[open2].State);
        Assert.Equal((PortState.Closed, "conn-refused"), (results[closed1].State, results[closed1].Reason));
        Assert.Equal(PortState.Closed, results[closed2].State);
        Assert.All(results.Values, r => Assert.Equal(Transport.Tcp, r.Protocol));
    }

    [Fact]
    public async Task IPv6Loopback()
    {
        using var timeout = TestTimeout.Create();
        using Socket listener = Listener(IPAddress.IPv6Loopback);
        var scanner = new PortScanner(new ScanOptions());

        PortResult result = await scanner.ProbeAsync(IPAddress.IPv6Loopback, Transport.Tcp, Port(listener), timeout.Token);

        Assert.Equal(PortState.Open, result.State);
    }

    [Fact]
    public async Task ListenerWithAFullAcceptQueue_DropsTheSyn_Filtered()
    {
        using var timeout = TestTimeout.Create();
        // Backlog 0 and nobody accepting: once one connection waits in the queue, Linux drops further SYNs,
        // which is exactly what a firewall that drops looks like from here.
        using Socket listener = Listener(IPAddress.Loopback, backlog: 0);
        using Socket waiting = await Net.ConnectAsync((IPEndPoint)listener.LocalEndPoint!, timeout.Token);
        var scanner = new PortScanner(new ScanOptions { Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 });

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

    [Fact]
    public async Task OpenPortProbe_LeavesNoTimeWait()
    {
        using var timeout = TestTimeout.Create();
        using Socket listener = Listener(IPAddress.Loopback);
        int port = Port(listener);
        var scanner = new PortScanner(new ScanOptions());

        await scanner.ProbeAsync(IPAddress.Loopback, Transport.Tcp, port, timeout.Token);

        // /proc/net/tcp lists every socket with its state; 06 is TIME_WAIT. The probe's RST leaves none for this port.
        string hexPort = port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        string[] lines = await File.ReadAllLinesAsync("/proc/net/tcp", timeout.Token);
        Assert.DoesNotContain(lines, l => l.Contains($":{hexPort} ", StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3] == "06");
    }

    private static Socket Listener(IPAddress address, int backlog = 16)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        socket.Listen(backlog);
        return socket;
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;
}
