using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Inetkit.Protocol;
using Inetkit.Scanning;
using Inetkit.Scanning.Internal.Linux;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Scanning;

/// <summary>
/// The SYN scan (-sS) for real, as root: raw SYNs to listeners the test opens on 127.0.0.1 and ::1, judged against the
/// kernel's own listen table; a dropped SYN; replies forged on loopback by a raw socket of the test's, which must never
/// count as answers unless they acknowledge the probe; and the one line an unprivileged run gets. Skipped, with the
/// reason, when not root.
/// </summary>
public sealed class SynScanTests
{
    private static readonly ScanOptions Quick = new() { Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 };

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task OpenAndClosedPorts_AreWhatTheKernelListsAsListening(string target)
    {
        RequireRoot();
        using var timeout = TestTimeout.Create();
        IPAddress address = IPAddress.Parse(target);
        using var listeners = LoopbackListeners.Start(3, address);
        int[] closed = ClosedPorts(address, 20);
        int[] ports = [.. listeners.Ports.Concat(closed).Distinct().Order()];
        HashSet<int> before = Listening(address);

        ScanReport report = await new PortScanner(Quick).RunAsync(Plan(address, ports), keepAll: true, timeout.Token);

        HashSet<int> after = Listening(address);
        var results = report.Hosts.Single().Ports.ToDictionary(p => p.Port);
        Assert.Equal(ports.Length, results.Count);
        Assert.All(listeners.Ports, p => Assert.Equal((PortState.Open, "syn-ack"), (results[p].State, results[p].Reason)));
        foreach (int port in ports.Where(p => before.Contains(p) == after.Contains(p)))
        {
            // Only ports the kernel agreed on before and after: another process may bind one of the closed numbers meanwhile.
            Assert.Equal(before.Contains(port) ? (PortState.Open, "syn-ack") : (PortState.Closed, "reset"), (results[port].State, results[port].Reason));
        }
        Assert.True(report.Complete);
    }

    [Fact]
    public async Task WideRange_OnSeveralThreads_FindsExactlyTheListeners()
    {
        // Ten thousand ports: enough for the engine to run a thread per CPU, each with its own source port and sockets.
        RequireRoot();
        using var timeout = TestTimeout.Create();
        using var listeners = LoopbackListeners.Start(5);
        int[] ports = [.. TcpScanTests.BandOutsideTheEphemeralRange(10_000).Concat(listeners.Ports).Distinct().Order()];
        HashSet<int> before = Listening(IPAddress.Loopback);

        ScanReport report = await new PortScanner(Quick).RunAsync(Plan(IPAddress.Loopback, ports), keepAll: true, timeout.Token);

        HashSet<int> after = Listening(IPAddress.Loopback);
        var results = report.Hosts.Single().Ports.ToDictionary(p => p.Port);
        Assert.Equal(ports.Length, results.Count);
        Assert.All(listeners.Ports, p => Assert.Equal(PortState.Open, results[p].State));
        Assert.All(ports.Where(p => before.Contains(p) == after.Contains(p)), p => Assert.Equal(before.Contains(p) ? PortState.Open : PortState.Closed, results[p].State));
        Assert.True(report.Complete);
    }

    [Fact]
    public async Task DroppedSyn_IsFiltered_AfterTheRetries()
    {
        RequireRoot();
        using var timeout = TestTimeout.Create();
        using Socket listener = SilentListener(out Socket waiting);
        using (waiting)
        {
            var scanner = new PortScanner(Quick);
            ScanReport report = await scanner.RunAsync(Plan(IPAddress.Loopback, [Port(listener)]), keepAll: true, timeout.Token);

            PortResult result = report.Hosts.Single().Ports.Single();
            Assert.Equal((PortState.Filtered, "no-response"), (result.State, result.Reason));
            Assert.Equal(2, report.Probes); // the try and its retry
        }
    }

    [Fact]
    public async Task ForgedReplies_ThatDoNotAcknowledgeTheProbe_AreNotAnswers()
    {
        RequireRoot();
        using var timeout = TestTimeout.Create();
        using Socket listener = SilentListener(out Socket waiting);
        using (waiting)
        {
            int port = Port(listener);
            // For every SYN to the silent port: a SYN/ACK and an RST from that port, acknowledging the wrong number.
            using var forger = new Forger(port, (syn, reply) =>
            {
                reply(Segment(port, syn.SourcePort, syn.Sequence + 2, SynPackets.Syn | SynPackets.Ack));
                reply(Segment(port, syn.SourcePort, syn.Sequence, SynPackets.Rst | SynPackets.Ack));
            });

            ScanReport report = await new PortScanner(Quick).RunAsync(Plan(IPAddress.Loopback, [port]), keepAll: true, timeout.Token);

            Assert.True(forger.Forged >= 2, "the forger saw no probe to answer");
            PortResult result = report.Hosts.Single().Ports.Single();
            Assert.Equal((PortState.Filtered, "no-response"), (result.State, result.Reason));
        }
    }

    [Fact]
    public async Task ForgedSynAck_ThatAcknowledgesTheProbe_IsTakenForOpen()
    {
        // The other half of the test above: the forger's packets do reach the scanner, and the cookie is what decides.
        RequireRoot();
        using var timeout = TestTimeout.Create();
        using Socket listener = SilentListener(out Socket waiting);
        using (waiting)
        {
            int port = Port(listener);
            using var forger = new Forger(port, (syn, reply) => reply(Segment(port, syn.SourcePort, syn.Sequence + 1, SynPackets.Syn | SynPackets.Ack)));

            ScanReport report = await new PortScanner(Quick with { Timeout = TimeSpan.FromSeconds(5) }).RunAsync(Plan(IPAddress.Loopback, [port]), keepAll: true, timeout.Token);

            PortResult result = report.Hosts.Single().Ports.Single();
            Assert.Equal((PortState.Open, "syn-ack"), (result.State, result.Reason));
        }
    }

    [Fact]
    public async Task IcmpAdministrativelyProhibited_QuotingTheProbe_IsFiltered()
    {
        RequireRoot();
        using var timeout = TestTimeout.Create();
        using Socket listener = SilentListener(out Socket waiting);
        using (waiting)
        {
            int port = Port(listener);
            using var icmp = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
            // ICMP destination unreachable, code 13 (communication administratively prohibited), quoting the SYN's IP header and first 8 bytes.
            using var forger = new Forger(port, (syn, _) =>
            {
                byte[] message = new byte[8 + syn.IpHeader.Length + 8];
                message[0] = 3;
                message[1] = 13;
                syn.IpHeader.CopyTo(message, 8);
                syn.Head.CopyTo(message, 8 + syn.IpHeader.Length);
                BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), InternetChecksum(message));
                icmp.SendTo(message, new IPEndPoint(IPAddress.Loopback, 0));
            });

            ScanReport report = await new PortScanner(Quick with { Timeout = TimeSpan.FromSeconds(5) }).RunAsync(Plan(IPAddress.Loopback, [port]), keepAll: true, timeout.Token);

            PortResult result = report.Hosts.Single().Ports.Single();
            Assert.Equal((PortState.Filtered, "admin-prohibited"), (result.State, result.Reason));
        }
    }

    [Fact]
    public async Task WithUdp_BothScansRun_AndTheXmlNamesEach()
    {
        RequireRoot();
        using var listeners = LoopbackListeners.Start(1);
        await using var echo = RawUdpPeer.Echo();
        int tcp = listeners.Ports[0], udp = echo.EndPoint.Port;

        var (code, output, error) = await CliRunner.RunToEndAsync(["scan", "127.0.0.1", "-sS", "-sU", "-p", $"T:{tcp},U:{udp}", "--format", "xml"]);

        Assert.True(code == 0, error);
        Assert.Contains($"<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"1\" services=\"{tcp}\" />", output, StringComparison.Ordinal);
        Assert.Contains($"<scaninfo type=\"udp\" protocol=\"udp\" numservices=\"1\" services=\"{udp}\" />", output, StringComparison.Ordinal);
        Assert.Contains($"<port protocol=\"tcp\" portid=\"{tcp}\"><state state=\"open\" reason=\"syn-ack\"", output, StringComparison.Ordinal);
        Assert.Contains($"<port protocol=\"udp\" portid=\"{udp}\"><state state=\"open\" reason=\"udp-response\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BeyondLoopback_WithoutScope_IsRefusedBeforeAnyPacket()
    {
        using var cli = new ScanCli();

        var (code, _, error) = await cli.RunAsync("-sS", "192.0.2.1", "-p", "80");

        Assert.Equal(5, code);
        Assert.StartsWith("inetkit: scan refused: ", error, StringComparison.Ordinal);
        Assert.False(cli.Started);
        Assert.False(File.Exists(cli.AuditLog));
    }

    [Theory]
    [InlineData("json", "\"scaninfo\":[{\"type\":\"syn\",\"protocol\":\"tcp\",\"numservices\":1}]")]
    [InlineData("csv", ",open,,syn-ack,,syn\r\n")]
    [InlineData("text", " port scanned by SYN scan in ")]
    [InlineData("html", "<dt>Scan type</dt><dd id=\"type\">SYN</dd>")]
    public async Task EveryFormat_NamesTheScanType(string format, string expected)
    {
        RequireRoot();
        using var listeners = LoopbackListeners.Start(1);

        var (code, output, error) = await CliRunner.RunToEndAsync(["scan", "127.0.0.1", "-sS", "-p", listeners.Ports[0].ToString(CultureInfo.InvariantCulture), "--format", format]);

        Assert.True(code == 0, error);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithTcpConnect_IsAUsageError()
    {
        var (code, _, error) = await CliRunner.RunToEndAsync(["scan", "127.0.0.1", "-sS", "-sT", "-p", "1"]);

        Assert.Equal((2, "inetkit: scan: -sS cannot be combined with -sT (one TCP scan type at a time, as nmap)\n"), (code, error.ReplaceLineEndings("\n")));
    }

    [Fact]
    public async Task WithoutCapNetRaw_OneLineSaysWhatItNeeds_Exit1()
    {
        // Root, but with every capability dropped from the bounding set: the kernel refuses the raw socket, as it refuses anyone without CAP_NET_RAW.
        RequireRoot();
        Assert.SkipUnless(File.Exists("/usr/bin/setpriv"), "needs util-linux's setpriv to drop CAP_NET_RAW");
        var info = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["--inh-caps=-all", "--bounding-set=-all", .. NetworkNamespace.Inetkit, "scan", "-sS", "127.0.0.1", "-p", "1"])
        {
            info.ArgumentList.Add(arg);
        }
        using Process scan = Process.Start(info)!;
        Task<string> output = scan.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string error = await scan.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await scan.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, scan.ExitCode);
        Assert.Equal("", await output);
        Assert.Equal("inetkit: scan: -sS (SYN scan) needs root or CAP_NET_RAW for its raw sockets; -sT (connect scan) needs neither\n", error);
    }

    private static void RequireRoot() =>
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.UserName == "root", "the SYN scan needs raw sockets: root or CAP_NET_RAW (CI runs as root)");

    private static ScanPlan Plan(IPAddress address, int[] ports) => new([new ScanHost(address)], ports, []) { TcpScan = TcpScanType.Syn };

    /// <summary>A listener whose accept queue (backlog 0) is full: Linux drops every further SYN to it, as a firewall that drops would.</summary>
    private static Socket SilentListener(out Socket waiting)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        waiting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        waiting.Connect(listener.LocalEndPoint!);
        return listener;
    }

    private static int[] ClosedPorts(IPAddress address, int count)
    {
        var ports = new SortedSet<int>();
        while (ports.Count < count)
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, 0));
            ports.Add(Port(socket));
        }
        return [.. ports];
    }

    /// <summary>Ports in LISTEN (0A) on <paramref name="address"/> or the wildcard, from /proc/net/tcp or tcp6.</summary>
    private static HashSet<int> Listening(IPAddress address)
    {
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        string[] local = v6 ? ["00000000000000000000000001000000", "00000000000000000000000000000000"] : ["0100007F", "00000000"];
        return [.. File.ReadAllLines(v6 ? "/proc/net/tcp6" : "/proc/net/tcp").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[3] == "0A" && local.Contains(f[1].Split(':')[0]))
            .Select(f => int.Parse(f[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    /// <summary>A bare TCP segment (no options) from 127.0.0.1:<paramref name="from"/> to 127.0.0.1:<paramref name="to"/>, checksummed.</summary>
    private static byte[] Segment(int from, int to, uint ack, byte flags)
    {
        byte[] segment = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(segment, (ushort)from);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)to);
        BinaryPrimitives.WriteUInt32BigEndian(segment.AsSpan(4), 0x1000);
        BinaryPrimitives.WriteUInt32BigEndian(segment.AsSpan(8), ack);
        segment[12] = 5 << 4;
        segment[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(14), 1024);
        UInt128 loopback = SynPackets.Key([127, 0, 0, 1]);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(16), SynPackets.Checksum(segment, loopback, loopback, ipv6: false));
        return segment;
    }

    private static ushort InternetChecksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    /// <summary>A SYN the forger saw: where it came from, its sequence number, its IP header and first 8 bytes of TCP.</summary>
    private sealed record SeenSyn(int SourcePort, uint Sequence, byte[] IpHeader, byte[] Head);

    /// <summary>
    /// A raw TCP socket of the test's that watches loopback for SYNs to one port and answers each with what the test
    /// says, sent from a raw socket: replies no scanner asked that port for.
    /// </summary>
    private sealed class Forger : IDisposable
    {
        private readonly Socket _watch = new(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Tcp);
        private readonly Socket _send = new(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Tcp);
        private readonly Thread _thread;
        private int _forged;

        public Forger(int port, Action<SeenSyn, Action<byte[]>> answer)
        {
            _thread = new Thread(() =>
            {
                var buffer = new byte[65536];
                while (true)
                {
                    int length;
                    try
                    {
                        length = _watch.Receive(buffer);
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                    {
                        return;
                    }
                    int header = (buffer[0] & 0xf) * 4;
                    var tcp = buffer.AsSpan(header, length - header);
                    if (tcp.Length >= 20 && BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]) == port && (tcp[13] & (SynPackets.Syn | SynPackets.Ack)) == SynPackets.Syn)
                    {
                        var syn = new SeenSyn(BinaryPrimitives.ReadUInt16BigEndian(tcp), BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]), buffer[..header], tcp[..8].ToArray());
                        answer(syn, segment =>
                        {
                            _send.SendTo(segment, new IPEndPoint(IPAddress.Loopback, 0));
                            Interlocked.Increment(ref _forged);
                        });
                    }
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public int Forged => Volatile.Read(ref _forged);

        public void Dispose()
        {
            _watch.Dispose();
            _send.Dispose();
            _thread.Join();
        }
    }
}
