using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Exec;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Hosting;

/// <summary>Programs served per TCP connection, inetd's "nowait": the socket itself is the program's stdin and stdout.</summary>
public sealed class ExecConnectionTests : IDisposable
{
    private readonly Programs _programs = new();

    public void Dispose() => _programs.Dispose();

    [Fact]
    public async Task Cat_EchoesEachConnection_AndItsExitSendsOurFin()
    {
        using var timeout = TestTimeout.Create();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/cat"] }, configure: o => o with { ConnectionLog = log.Add });
        IPEndPoint endPoint = server.GetEndPoint("prog", Transport.Tcp);
        using Socket a = await Net.ConnectAsync(endPoint, timeout.Token);
        using Socket b = await Net.ConnectAsync(endPoint, timeout.Token);
        await Net.SendAllAsync(a, "from a\n"u8.ToArray(), timeout.Token);
        await Net.SendAllAsync(b, "from b\n"u8.ToArray(), timeout.Token);
        Assert.Equal("from a\n", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(a, 7, timeout.Token)));
        Assert.Equal("from b\n", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(b, 7, timeout.Token)));

        a.Shutdown(SocketShutdown.Send);
        Assert.Empty(await Net.ReadToEndAsync(a, timeout.Token));
        ConnectionLogEntry entry = await log.WaitForAsync(e => e.Client.Port == ((IPEndPoint)a.LocalEndPoint!).Port, timeout.Token);
        Assert.Equal(("served", "exit(0)", 7L, 7L), (entry.Outcome, entry.Exit, entry.BytesIn, entry.BytesOut));
        Assert.NotNull(entry.Pid);
        await Programs.WaitGoneAsync(entry.Pid.Value, timeout.Token);

        // The other connection has its own process, still serving.
        await Net.SendAllAsync(b, "again\n"u8.ToArray(), timeout.Token);
        Assert.Equal("again\n", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(b, 6, timeout.Token)));
    }

    [Fact]
    public async Task SeedQotd_AsATwoLinePythonProgram_AnswersOverTcpAndUdp()
    {
        using var timeout = TestTimeout.Create();
        string qotd = _programs.Write("qotd.py", "#!/usr/bin/env python3\nprint(\"Some days you are the bug, some days the windshield.\")\n");
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = [qotd] }, Transport.Both);

        using Socket tcp = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);
        Assert.Equal("Some days you are the bug, some days the windshield.\n", Encoding.ASCII.GetString(await Net.ReadToEndAsync(tcp, timeout.Token)));
        byte[] datagram = await Net.UdpExchangeAsync(server.GetEndPoint("prog", Transport.Udp), "?"u8.ToArray(), timeout.Token);
        Assert.Equal("Some days you are the bug, some days the windshield.\n", Encoding.ASCII.GetString(datagram));
    }

    [Fact]
    public async Task NeverExits_KilledAtTheExecTimeout_ItsClientClosed_NothingLeft()
    {
        using var timeout = TestTimeout.Create();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/sleep", "1000"], Timeout = TimeSpan.FromMilliseconds(300) }, configure: o => o with { ConnectionLog = log.Add });
        using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);

        Assert.Empty(await Net.ReadToEndAsync(client, timeout.Token));
        ConnectionLogEntry entry = await log.WaitForAsync(_ => true, timeout.Token);
        Assert.Equal(("timeout", "SIGTERM"), (entry.Outcome, entry.Exit));
        await Programs.WaitGoneAsync(entry.Pid!.Value, timeout.Token);
        Assert.Empty(Programs.OurZombies());
    }

    [Fact]
    public async Task IgnoresSigterm_GetsSigkillASecondLater()
    {
        using var timeout = TestTimeout.Create();
        string stubborn = _programs.Write("stubborn.py", """
            #!/usr/bin/env python3
            import signal, sys, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print("ignoring SIGTERM", flush=True)
            time.sleep(1000)
            """);
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = [stubborn], Timeout = TimeSpan.FromMilliseconds(300) }, configure: o => o with { ConnectionLog = log.Add });
        using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);

        Assert.Equal("ignoring SIGTERM\n", Encoding.ASCII.GetString(await Net.ReadToEndAsync(client, timeout.Token)));
        ConnectionLogEntry entry = await log.WaitForAsync(_ => true, timeout.Token);
        Assert.Equal(("timeout", "SIGKILL"), (entry.Outcome, entry.Exit));
    }

    [Fact]
    public async Task GrandchildKeepsTheSocket_TheClientStillGetsOurFinWhenTheProgramExits_AndTheGrandchildIsStopped()
    {
        using var timeout = TestTimeout.Create();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/sh", "-c", "sleep 1000 & echo $!; exit 0"] }, configure: o => o with { ConnectionLog = log.Add });
        using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);

        string said = Encoding.ASCII.GetString(await Net.ReadToEndAsync(client, timeout.Token));
        int grandchild = int.Parse(said.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("exit(0)", (await log.WaitForAsync(_ => true, timeout.Token)).Exit);
        await Programs.WaitGoneAsync(grandchild, timeout.Token);
    }

    [Fact]
    public async Task FloodsAClientThatNeverReads_TheProgramIsHeldInWrite_AndNothingOfOursGrows()
    {
        using var timeout = TestTimeout.Create();
        string flood = _programs.Write("flood.py", """
            #!/usr/bin/env python3
            import sys
            chunk = b"x" * 65536
            while True:
                sys.stdout.buffer.write(chunk)
            """);
        var trace = new TraceRecorder();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = [flood] }, trace: trace.Write);
        using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);
        string spawned = await trace.WaitForAsync("fork+exec(", timeout.Token);
        int pid = int.Parse(spawned[(spawned.LastIndexOf("pid ", StringComparison.Ordinal) + 4)..], System.Globalization.CultureInfo.InvariantCulture);
        long before = GC.GetTotalMemory(forceFullCollection: true);

        // Blocked in write(2) (system call 1 on x86-64, 64 on arm64): the socket's buffers are full and TCP holds it.
        int write = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? 64 : 1;
        while (Programs.BlockedIn(pid) != write)
        {
            await Task.Delay(10, timeout.Token);
        }
        long written = Programs.BytesWritten(pid);
        Assert.InRange(written, 1, 64L << 20);
        Assert.InRange(GC.GetTotalMemory(forceFullCollection: true) - before, long.MinValue, 4L << 20);
        client.Close(0);
        await Programs.WaitGoneAsync(pid, timeout.Token);
    }

    [Fact]
    public async Task ExitsWithoutReading_TheClientGetsItsOutputAndAFin_NotAReset()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/echo", "hi"] });
        using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);
        await Net.SendAllAsync(client, Net.RandomBytes(200_000), timeout.Token);
        client.Shutdown(SocketShutdown.Send);

        // ReadToEndAsync fails on a reset: the unread input must not turn the close into one.
        Assert.Equal("hi\n", Encoding.ASCII.GetString(await Net.ReadToEndAsync(client, timeout.Token)));
    }

    [Fact]
    public async Task Instances_AClientOverThemIsClosedAtOnce_AndServedOnceOneEnds()
    {
        using var timeout = TestTimeout.Create();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/cat"], Instances = 2 }, configure: o => o with { ConnectionLog = log.Add });
        IPEndPoint endPoint = server.GetEndPoint("prog", Transport.Tcp);
        using Socket a = await Net.ConnectAsync(endPoint, timeout.Token);
        using Socket b = await Net.ConnectAsync(endPoint, timeout.Token);
        await AssertEchoes(a, timeout.Token);
        await AssertEchoes(b, timeout.Token);

        await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token);
        Assert.Equal(1, server.Statistics.ConnectionsRefusedBy[RefusalReason.Instances]);
        Assert.Equal("refused: instances", (await log.WaitForAsync(e => e.Outcome.StartsWith("refused", StringComparison.Ordinal), timeout.Token)).Outcome);

        a.Shutdown(SocketShutdown.Send);
        await Net.ReadToEndAsync(a, timeout.Token);
        int pid = (await log.WaitForAsync(e => e.Outcome == "served", timeout.Token)).Pid!.Value;
        await Programs.WaitGoneAsync(pid, timeout.Token);
        using Socket c = await Net.ConnectAsync(endPoint, timeout.Token);
        await AssertEchoes(c, timeout.Token);
    }

    [Fact]
    public async Task ForkHeavyLoad_NeverRunsMoreThanTheInstances_AndReapsEveryOne()
    {
        using var timeout = TestTimeout.Create(TimeSpan.FromSeconds(60));
        var log = new Recorder<ConnectionLogEntry>();
        // A marker in the command line tells this test's processes from any other test's.
        string marker = $"fork-heavy-{Guid.NewGuid():N}";
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/sh", "-c", "cat", marker], Instances = 4 }, configure: o => o with { ConnectionLog = log.Add });
        IPEndPoint endPoint = server.GetEndPoint("prog", Transport.Tcp);
        int served = 0;
        int refused = 0;
        int peak = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 120), new ParallelOptions { MaxDegreeOfParallelism = 12, CancellationToken = timeout.Token }, async (i, ct) =>
        {
            try
            {
                using Socket s = await Net.ConnectAsync(endPoint, ct);
                await Net.SendAllAsync(s, "x"u8.ToArray(), ct);
                s.Shutdown(SocketShutdown.Send);
                byte[] back = await Net.ReadToEndAsync(s, ct, resetIsEnd: true);
                if (back.Length == 1)
                {
                    Interlocked.Increment(ref served);
                    int running = Programs.ChildrenOf(Environment.ProcessId).Count(pid => Programs.CommandLine(pid).Contains(marker, StringComparison.Ordinal));
                    InterlockedMax(ref peak, running);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref refused);
            }
        });
        Assert.Equal(120, served + refused);
        Assert.True(served > 0);
        Assert.InRange(peak, 1, 4);
        await log.WaitForAsync(_ => log.Items.Count == 120, timeout.Token);
        Assert.Equal(served, log.Items.Count(e => e.Outcome == "served"));
        foreach (ConnectionLogEntry e in log.Items.Where(e => e.Pid is not null))
        {
            await Programs.WaitGoneAsync(e.Pid!.Value, timeout.Token);
        }
        Assert.Empty(Programs.OurZombies());
    }

    [Fact]
    public async Task Environment_IsTheFixedMinimalOne_WithUcspiTcpsNames()
    {
        using var timeout = TestTimeout.Create();
        Environment.SetEnvironmentVariable("INETKIT_TEST_PASSED", "yes");
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/usr/bin/env"], PassEnvironment = ["INETKIT_TEST_PASSED", "GREETING=hello"] }, name: "envy");
        IPEndPoint endPoint = server.GetEndPoint("envy", Transport.Tcp);
        using Socket client = await Net.ConnectAsync(endPoint, timeout.Token);

        var variables = Encoding.ASCII.GetString(await Net.ReadToEndAsync(client, timeout.Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var local = (IPEndPoint)client.LocalEndPoint!;
        Assert.Equal(
            new HashSet<string>
            {
                "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "PROTO=TCP", "TCPREMOTEIP=127.0.0.1", $"TCPREMOTEPORT={local.Port}",
                "TCPLOCALIP=127.0.0.1", $"TCPLOCALPORT={endPoint.Port}", "INETKIT_SERVICE=envy", "INETKIT_TEST_PASSED=yes", "GREETING=hello",
            },
            variables);
    }

    [Fact]
    public async Task WorkingDirectory_IsSlashUnlessConfigured()
    {
        using var timeout = TestTimeout.Create();
        await using (InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/pwd"] }))
        {
            using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);
            Assert.Equal("/\n", Encoding.ASCII.GetString(await Net.ReadToEndAsync(client, timeout.Token)));
        }
        await using (InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/pwd"], WorkingDirectory = _programs.Directory }))
        {
            using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);
            Assert.Equal(_programs.Directory + "\n", Encoding.ASCII.GetString(await Net.ReadToEndAsync(client, timeout.Token)));
        }
    }

    [Fact]
    public async Task AsRoot_ProgramsRunAsNobody_UnlessRootIsAskedForByName()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "switching users needs root");
        using var timeout = TestTimeout.Create();
        foreach ((string? user, string uid) in new[] { ((string?)null, "65534"), ("nobody", "65534"), ("root", "0") })
        {
            await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/usr/bin/id", "-u"], User = user });
            using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);
            Assert.Equal(uid + "\n", Encoding.ASCII.GetString(await Net.ReadToEndAsync(client, timeout.Token)));
        }
    }

    [Fact]
    public async Task Trace_NarratesForkExecAndExit_AndStderrGoesToTheLogWithServiceAndPid()
    {
        using var timeout = TestTimeout.Create();
        var trace = new TraceRecorder();
        var logger = new LogRecorder();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/sh", "-c", "echo oops >&2; echo done"] }, trace: trace.Write, configure: o => o with { Logger = logger });
        using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);
        Assert.Equal("done\n", Encoding.ASCII.GetString(await Net.ReadToEndAsync(client, timeout.Token)));

        string spawned = await trace.WaitForAsync("fork+exec(/bin/sh -c 'echo oops >&2; echo done') -> pid ", timeout.Token);
        string pid = spawned[(spawned.LastIndexOf("pid ", StringComparison.Ordinal) + 4)..];
        Assert.Matches(@"^\[prog/tcp #\d+\] exit\(0\) after [\d,]+ ms$", await trace.WaitForAsync(" exit(0) after ", timeout.Token));
        await logger.WaitForAsync($"Information: prog[{pid}]: oops", timeout.Token);
    }

    [Fact]
    public async Task Stop_SendsSigtermToRunningPrograms_AndNoneOutlivesTheServer()
    {
        using var timeout = TestTimeout.Create();
        var trace = new TraceRecorder();
        InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/cat"] }, trace: trace.Write, configure: o => o with { ShutdownGrace = TimeSpan.FromSeconds(10) });
        using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);
        await AssertEchoes(client, timeout.Token);
        string spawned = await trace.WaitForAsync("fork+exec(", timeout.Token);
        int pid = int.Parse(spawned[(spawned.LastIndexOf("pid ", StringComparison.Ordinal) + 4)..], System.Globalization.CultureInfo.InvariantCulture);

        await server.StopAsync().WaitAsync(timeout.Token);
        Assert.True(Programs.IsGone(pid));
        Assert.Contains(trace.Lines, l => l.Contains("killed by SIGTERM", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_AProgramThatIgnoresSigterm_GetsSigkillWhenTheGraceIsOver()
    {
        using var timeout = TestTimeout.Create();
        string stubborn = _programs.Write("stubborn.py", """
            #!/usr/bin/env python3
            import signal, sys
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print("ready", flush=True)
            sys.stdin.read()
            """);
        var log = new Recorder<ConnectionLogEntry>();
        InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = [stubborn] }, configure: o => o with { ShutdownGrace = TimeSpan.FromMilliseconds(300), ConnectionLog = log.Add });
        using Socket client = await Net.ConnectAsync(server.GetEndPoint("prog", Transport.Tcp), timeout.Token);
        Assert.Equal("ready\n", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(client, 6, timeout.Token)));

        await server.StopAsync().WaitAsync(timeout.Token);
        ConnectionLogEntry entry = await log.WaitForAsync(_ => true, timeout.Token);
        Assert.Equal("SIGKILL", entry.Exit);
        Assert.True(Programs.IsGone(entry.Pid!.Value));
    }

    private static async Task AssertEchoes(Socket socket, CancellationToken cancellationToken)
    {
        await Net.SendAllAsync(socket, "ping\n"u8.ToArray(), cancellationToken);
        Assert.Equal("ping\n", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(socket, 5, cancellationToken)));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
