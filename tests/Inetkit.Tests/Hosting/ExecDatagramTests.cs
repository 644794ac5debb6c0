using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Exec;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Hosting;

/// <summary>Programs served per UDP datagram: the datagram on stdin, what the program wrote when it exits the one reply.</summary>
public sealed class ExecDatagramTests : IDisposable
{
    private readonly Programs _programs = new();

    public void Dispose() => _programs.Dispose();

    [Fact]
    public async Task Cat_AnswersEachDatagramWithWhatTheProgramWrote()
    {
        using var timeout = TestTimeout.Create();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/cat"] }, Transport.Udp, o => o with { ConnectionLog = log.Add });
        IPEndPoint endPoint = server.GetEndPoint("prog", Transport.Udp);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);

        Assert.Equal("hello", Encoding.ASCII.GetString(await Net.UdpExchangeAsync(client, endPoint, "hello"u8.ToArray(), timeout.Token)));
        Assert.Equal("again!", Encoding.ASCII.GetString(await Net.UdpExchangeAsync(client, endPoint, "again!"u8.ToArray(), timeout.Token)));
        ConnectionLogEntry first = await log.WaitForAsync(e => e.BytesIn == 5, timeout.Token);
        Assert.Equal((Transport.Udp, "served", 5L, "exit(0)"), (first.Transport, first.Outcome, first.BytesOut, first.Exit));
        Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port, first.Client.Port);
        // A reply is counted once its send has returned, which may be after the client has it.
        await Wait.UntilAsync(() => server.Statistics.DatagramsAnswered == 2, timeout.Token);
    }

    [Fact]
    public async Task Output_IsCutAtTheLargestDatagram()
    {
        using var timeout = TestTimeout.Create();
        string big = _programs.Write("big.py", "#!/usr/bin/env python3\nimport sys\nsys.stdout.buffer.write(b'y' * 100000)\n");
        var trace = new TraceRecorder();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = [big] }, Transport.Udp, trace: trace.Write);
        byte[] reply = await Net.UdpExchangeAsync(server.GetEndPoint("prog", Transport.Udp), "?"u8.ToArray(), timeout.Token);

        Assert.Equal(65_507, reply.Length);
        Assert.All(reply, b => Assert.Equal((byte)'y', b));
        await trace.WaitForAsync("(the program wrote 100,000 bytes: cut at 65,507, the largest datagram)", timeout.Token);
    }

    [Fact]
    public async Task WritesNothing_NoReplyIsSent()
    {
        using var timeout = TestTimeout.Create();
        var log = new Recorder<ConnectionLogEntry>();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/true"] }, Transport.Udp, o => o with { ConnectionLog = log.Add });
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        await client.SendToAsync("ignored"u8.ToArray(), SocketFlags.None, server.GetEndPoint("prog", Transport.Udp), timeout.Token);

        ConnectionLogEntry entry = await log.WaitForAsync(_ => true, timeout.Token);
        Assert.Equal(("served", 7L, 0L, "exit(0)"), (entry.Outcome, entry.BytesIn, entry.BytesOut, entry.Exit));
        Assert.Equal(0, server.Statistics.DatagramsAnswered);
        Assert.Equal(0, client.Available);
    }

    [Fact]
    public async Task Instances_ADatagramOverThemIsDroppedAndCounted_BeforeAnyProcessStarts()
    {
        using var timeout = TestTimeout.Create();
        var log = new Recorder<ConnectionLogEntry>();
        var trace = new TraceRecorder();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/sleep", "1000"], Instances = 1 }, Transport.Udp, o => o with { ConnectionLog = log.Add }, trace.Write);
        IPEndPoint endPoint = server.GetEndPoint("prog", Transport.Udp);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        await client.SendToAsync("one"u8.ToArray(), SocketFlags.None, endPoint, timeout.Token);
        await trace.WaitForAsync("fork+exec(", timeout.Token);
        await client.SendToAsync("two"u8.ToArray(), SocketFlags.None, endPoint, timeout.Token);

        Assert.Equal("refused: instances", (await log.WaitForAsync(_ => true, timeout.Token)).Outcome);
        Assert.Equal(1, server.Statistics.DatagramsDropped[UdpVerdict.InstancesExhausted]);
        Assert.Single(trace.Lines, l => l.Contains("fork+exec(", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Environment_NamesTheDatagramsSource_InUcspisUdpNames()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/usr/bin/env"] }, Transport.Udp);
        IPEndPoint endPoint = server.GetEndPoint("prog", Transport.Udp);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        string[] variables = Encoding.ASCII.GetString(await Net.UdpExchangeAsync(client, endPoint, "x"u8.ToArray(), timeout.Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains("PROTO=UDP", variables);
        Assert.Contains("UDPREMOTEIP=127.0.0.1", variables);
        Assert.Contains($"UDPREMOTEPORT={((IPEndPoint)client.LocalEndPoint!).Port}", variables);
        Assert.Contains($"UDPLOCALPORT={endPoint.Port}", variables);
        Assert.Contains("INETKIT_SERVICE=prog", variables);
    }

    [Fact]
    public async Task Stop_KillsADatagramsProgramStillRunning()
    {
        using var timeout = TestTimeout.Create();
        var trace = new TraceRecorder();
        InetServer server = await Programs.ServeAsync(new ExecProgram { Argv = ["/bin/sleep", "1000"] }, Transport.Udp, o => o with { ShutdownGrace = TimeSpan.FromMilliseconds(200) }, trace.Write);
        using Socket client = Net.Udp(AddressFamily.InterNetwork);
        await client.SendToAsync("x"u8.ToArray(), SocketFlags.None, server.GetEndPoint("prog", Transport.Udp), timeout.Token);
        string spawned = await trace.WaitForAsync("fork+exec(", timeout.Token);
        int pid = int.Parse(spawned[(spawned.LastIndexOf("pid ", StringComparison.Ordinal) + 4)..], System.Globalization.CultureInfo.InvariantCulture);

        await server.StopAsync().WaitAsync(timeout.Token);
        Assert.True(Programs.IsGone(pid));
    }
}
