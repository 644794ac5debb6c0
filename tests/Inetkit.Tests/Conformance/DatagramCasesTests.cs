using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Inetkit.Conformance;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>The cases every UDP service shares, each against a server with exactly its defect.</summary>
public sealed class DatagramCasesTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromMilliseconds(300), Retries = 1 };

    private static async Task<CaseResult> RunAsync(IPEndPoint server, string id)
    {
        ConformanceCase @case = Assert.Single(ConformanceSuite.Matching(id));
        ServiceCheck check = await ConformanceRunner.RunAsync(server, @case.Service, Transport.Udp, [@case], Options, TestContext.Current.CancellationToken);
        return Assert.Single(check.Results);
    }

    [Theory]
    [InlineData("echo", Verdict.Fail)]
    [InlineData("chargen", Verdict.Warn)]
    [InlineData("qotd", Verdict.Warn)]
    [InlineData("daytime", Verdict.Warn)]
    [InlineData("time", Verdict.Warn)]
    public async Task AReplyFromAnotherSocket_IsNamedWithItsPort_AMustForEchoAShouldElsewhere(string service, Verdict verdict)
    {
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var server = DefectServer.Udp(async (_, request, from, ct) => await other.SendToAsync(request, SocketFlags.None, from, ct));

        CaseResult result = await RunAsync(server.EndPoint, $"{service}/udp/reply-from-server-port");

        Assert.Equal(verdict, result.Verdict);
        Assert.Equal($"from {other.LocalEndPoint}: a client that connect()s its socket never sees it; reply with sendto() on the socket that received the request", result.Got);
    }

    [Fact]
    public async Task AReplyFromAnotherSocket_IsSilenceToTheOtherCases_BecauseTheirSocketIsConnected()
    {
        // What a student's client sees too: the kernel drops a datagram from any other port on a connected socket.
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var server = DefectServer.Udp(async (_, request, from, ct) => await other.SendToAsync(request, SocketFlags.None, from, ct));

        CaseResult result = await RunAsync(server.EndPoint, "echo/udp/datagram-1");

        Assert.Equal((Verdict.Fail, "no reply within 300 ms, 2 datagrams sent"), (result.Verdict, result.Got));
    }

    [Fact]
    public async Task TheReplyFromTheRightSocket_Passes()
    {
        await using var server = DefectServer.Udp(async (socket, request, from, ct) => await socket.SendToAsync(request, SocketFlags.None, from, ct));

        CaseResult result = await RunAsync(server.EndPoint, "echo/udp/reply-from-server-port");

        Assert.Equal((Verdict.Pass, $"from {server.EndPoint}"), (result.Verdict, result.Got));
    }

    [Theory]
    [InlineData("echo", 1, 1, Verdict.Pass, "1 byte in one datagram: amplification 1x")]
    [InlineData("chargen", 512, 1, Verdict.Warn, "512 bytes in one datagram: amplification 512x; beyond loopback, a spoofed request turns this server into a reflector (cap replies at the request's length)")]
    [InlineData("qotd", 100, 3, Verdict.Warn, "300 bytes in 3 datagrams: amplification 300x; beyond loopback, a spoofed request turns this server into a reflector (cap replies at the request's length)")]
    [InlineData("discard", 0, 0, Verdict.Pass, "no reply within 300 ms")]
    public async Task Amplification_CountsEveryDatagramThatAnswersOneByte(string service, int size, int datagrams, Verdict verdict, string got)
    {
        await using var server = DefectServer.Udp(async (socket, _, from, ct) =>
        {
            for (int i = 0; i < datagrams; i++)
            {
                await socket.SendToAsync(new byte[size], SocketFlags.None, from, ct);
            }
        });

        CaseResult result = await RunAsync(server.EndPoint, $"{service}/udp/amplification");

        Assert.Equal((CaseLevel.Info, verdict, got), (result.Case.Level, result.Verdict, result.Got));
    }

    [Fact]
    public async Task AServerThatAnswersAPortBelow1024_IsAnInfoWarning_NamingThePort()
    {
        Assert.SkipUnless(Environment.UserName == "root", "sending from a port below 1024 needs root here");
        int? sourcePort = null;
        await using var server = DefectServer.Udp(async (socket, request, from, ct) =>
        {
            sourcePort = ((IPEndPoint)from).Port;
            await socket.SendToAsync(request, SocketFlags.None, from, ct);
        });

        CaseResult result = await RunAsync(server.EndPoint, "echo/udp/low-source-port");

        Assert.NotNull(sourcePort);
        Assert.InRange(sourcePort.Value, 1000, 1023);
        Assert.Equal((Verdict.Warn, $"it answered port {sourcePort}: a spoofed datagram from another service's port (echo's 7, chargen's 19) starts a loop between the two; drop sources below 1024"), (result.Verdict, result.Got));
    }

    [Fact]
    public async Task WithoutPrivilege_TheLowSourcePortCaseIsSkipped_WithTheReason()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
        {
            Assert.Skip("needs root, to run check as nobody with setpriv");
        }
        Assert.SkipUnless(NobodyCanRun(AppContext.BaseDirectory), $"nobody cannot reach {AppContext.BaseDirectory} (a directory on the way is not world-searchable)");
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        var info = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, UseShellExecute = false, Environment = { ["HOME"] = Path.GetTempPath() } };
        foreach (string arg in (string[])["--reuid=65534", "--regid=65534", "--clear-groups", .. NetworkNamespace.Inetkit, "check",
                     server.EndPoint(ServiceKind.Echo, Transport.Udp).ToString(), "--service", "echo", "--cases", "echo/udp/low-source-port", "--format", "json"])
        {
            info.ArgumentList.Add(arg);
        }
        using Process check = Process.Start(info)!;
        string output = await check.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await check.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, check.ExitCode);
        using JsonDocument report = JsonDocument.Parse(output);
        JsonElement result = report.RootElement.GetProperty("targets")[0].GetProperty("cases")[0];
        Assert.Equal(("skip", "sending from a port below 1024 needs root (or CAP_NET_BIND_SERVICE); run check as root to see it"), (result.GetProperty("verdict").GetString(), result.GetProperty("got").GetString()));
    }

    private static bool NobodyCanRun(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            if (!File.GetUnixFileMode(dir.FullName).HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }
        return true;
    }
}
