using System.Net;
using System.Text.Json;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Cli;

/// <summary><c>inetkit check</c>: its targets, its gate (the scanner's), its reports and its exit codes.</summary>
public sealed class CheckCommandTests
{
    private const string Scope = """
        authorized-by: Jane Doe, network owner
        reference: TICKET-4242
        expires: 2026-12-31
        192.0.2.0/25
        inside.example
        """;

    private static readonly DateTimeOffset InTime = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    private static ScanCli Check(bool blocked = false) => new(new FakeTimeProvider(InTime), "check") { BlockScan = blocked };

    [Theory]
    [InlineData("check: '127.0.0.1:5000': no service of the port map is on port 5000 (offset 10000); say which it is with --service (echo, discard, chargen, qotd, daytime, time)", "127.0.0.1:5000")]
    [InlineData("check: no targets given: name at least one (127.0.0.1, localhost:10007, [::1]...), or a file of them with -iL FILE")]
    [InlineData("check: --cases 'nothing/*' matches no case; 'inetkit check --list' shows their ids", "127.0.0.1", "--cases", "nothing/*")]
    [InlineData("check: '192.0.2.0/24': '192.0.2.0/24' is neither an address nor a host name (check takes one server per target, not ranges)", "192.0.2.0/24")]
    [InlineData("choose one of --tcp or --udp (neither: both)", "127.0.0.1", "--tcp", "--udp")]
    [InlineData("--service 'ftp' is not one of echo, discard, chargen, qotd, daytime, time", "127.0.0.1", "--service", "ftp")]
    [InlineData("--format 'xml' is not one of text, json, junit", "127.0.0.1", "--format", "xml")]
    public async Task BadInput_IsAUsageError_InOneLine_AndNothingIsSent(string message, params string[] args)
    {
        using ScanCli cli = Check();

        var (code, _, error) = await cli.RunAsync(args);

        Assert.Equal(2, code);
        Assert.StartsWith($"inetkit: {message}\n", error, StringComparison.Ordinal);
        Assert.False(cli.Started);
    }

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("[2001:db8::1]:7")]
    [InlineData("outside.example")]
    public async Task ATargetBeyondLoopback_WithoutAScope_IsRefused_BeforeAnyLookupOrSocket(string target)
    {
        using ScanCli cli = Check();

        var (code, _, error) = await cli.RunAsync(target, "--service", "echo");

        Assert.Equal(5, code);
        Assert.StartsWith("inetkit: check refused: ", error, StringComparison.Ordinal);
        Assert.Contains(" is not loopback, and no --scope file authorizes checking it. Never perform a port scan unless", error, StringComparison.Ordinal);
        Assert.False(cli.Started);
        Assert.Empty(cli.Lookups);
        Assert.False(File.Exists(cli.AuditLog));
    }

    [Fact]
    public async Task ANameThatResolvesBeyondLoopback_IsRefused_AfterTheLookup_BeforeAnySocket()
    {
        using ScanCli cli = Check();
        cli.Names["inside.example"] = [IPAddress.Parse("198.51.100.7")];
        string scope = cli.File("scope.txt", Scope);

        var (code, _, error) = await cli.RunAsync("inside.example", "--service", "time", "--scope", scope);

        Assert.Equal(5, code);
        Assert.Equal("inetkit: check refused: inside.example resolves to 198.51.100.7, which is outside the scope of TICKET-4242. Never perform a port scan unless you have written explicit instruction from the network owners to do so (--scope FILE)\n", error);
        Assert.False(cli.Started);
    }

    [Fact]
    public async Task ATargetWithinTheScope_IsRecordedInTheAuditLog_BeforeTheFirstSocket()
    {
        using ScanCli cli = Check(blocked: true);
        string scope = cli.File("scope.txt", Scope);

        var (code, _, _) = await cli.RunAsync("192.0.2.10", "--scope", scope);

        Assert.Equal(1, code); // the hook's exception in place of the first socket
        Assert.True(cli.Started);
        string line = Assert.Single(cli.AuditAtStart!);
        using JsonDocument audit = JsonDocument.Parse(line);
        Assert.Equal("check", audit.RootElement.GetProperty("command").GetString());
        Assert.Equal("192.0.2.10", audit.RootElement.GetProperty("targets")[0].GetString());
        Assert.Equal("T:10007,10009,10013,10017,10019,10037,U:10007,10009,10013,10017,10019,10037", audit.RootElement.GetProperty("ports").GetString());
        Assert.Equal("TICKET-4242", audit.RootElement.GetProperty("reference").GetString());
    }

    [Fact]
    public async Task WithoutAPort_EveryServiceOfThePortMapIsChecked_AtItsPortPlusTheOffset()
    {
        using ScanCli cli = Check();

        var (_, output, _) = await cli.RunAsync("127.0.0.1", "--port-offset", "0", "--tcp", "--cases", "*/tcp/*", "--timeout", "200", "--format", "json");

        using JsonDocument report = JsonDocument.Parse(output);
        var checkedPorts = report.RootElement.GetProperty("targets").EnumerateArray()
            .Select(t => (t.GetProperty("service").GetString(), t.GetProperty("port").GetInt32())).ToArray();
        Assert.Equal([("echo", 7), ("discard", 9), ("daytime", 13), ("qotd", 17), ("chargen", 19), ("time", 37)], checkedPorts);
    }

    [Fact]
    public async Task InetkitServe_PassesItsCheck_Exit0_WithASummaryPerService()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        using ScanCli cli = Check();
        string target = server.EndPoint(ServiceKind.Echo, Transport.Tcp).ToString();

        var (code, output, _) = await cli.RunAsync(target, "--service", "echo", "--timeout", "500");

        Assert.Equal(0, code);
        Assert.StartsWith($"{target}: echo\n  PASS  echo/tcp/one-byte ", output, StringComparison.Ordinal);
        Assert.Contains("  PASS  echo/udp/datagram-65507 ", output, StringComparison.Ordinal);
        Assert.EndsWith("\necho: 17 passed\n\ntotal: 1 target, 1 service: 17 passed\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMustCaseFailed_Exit1_AWarningFailsOnlyWithStrict()
    {
        // A time server that answers over TCP only: every UDP case is skipped (not served), none failed.
        await using var tooLong = new DefectServer(() => new byte[600], null);
        await using var notTime = new DefectServer(() => [1, 2, 3], null);
        using ScanCli cli = Check();

        var (qotdCode, qotdOut, _) = await cli.RunAsync(tooLong.EndPoint.ToString(), "--service", "qotd", "--timeout", "300");
        var (strictCode, _, _) = await cli.RunAsync(tooLong.EndPoint.ToString(), "--service", "qotd", "--timeout", "300", "--strict");
        var (timeCode, timeOut, _) = await cli.RunAsync(notTime.EndPoint.ToString(), "--service", "time", "--timeout", "300");

        Assert.Contains("  WARN  qotd/tcp/under-512-characters ", qotdOut, StringComparison.Ordinal);
        Assert.Contains("  SKIP  qotd/udp: not served: ", qotdOut, StringComparison.Ordinal);
        Assert.Equal((0, 1), (qotdCode, strictCode));
        Assert.Contains("  FAIL  time/tcp/four-bytes-then-close", timeOut, StringComparison.Ordinal);
        Assert.Equal(1, timeCode);
    }

    [Fact]
    public async Task NothingServedAtAnyTarget_Exit3()
    {
        await using var nothing = new DefectServer(null, null);
        using ScanCli cli = Check();

        var (code, output, error) = await cli.RunAsync(nothing.EndPoint.ToString(), "--service", "daytime", "--timeout", "300");

        Assert.Equal(3, code);
        Assert.Contains("daytime: 0 passed, 12 skipped", output, StringComparison.Ordinal);
        Assert.Equal("inetkit: check: nothing is served at any target, on any transport: is the server running, and on these ports (--port-offset)?\n", error);
    }

    [Fact]
    public async Task JsonReport_HasTheIssuesShape()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Daytime);
        using ScanCli cli = Check();

        var (code, output, _) = await cli.RunAsync(server.EndPoint(ServiceKind.Daytime, Transport.Tcp).ToString(), "--service", "daytime", "--format", "json", "--cases", "daytime/*/one-line", "--timeout", "500");

        Assert.Equal(0, code);
        using JsonDocument report = JsonDocument.Parse(output);
        JsonElement[] targets = [.. report.RootElement.GetProperty("targets").EnumerateArray()];
        Assert.Equal(["tcp", "udp"], targets.Select(t => t.GetProperty("transport").GetString()));
        JsonElement first = targets[0].GetProperty("cases")[0];
        Assert.Equal(["id", "level", "rfc", "verdict", "expected", "got", "ms"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("daytime/tcp/one-line", "should", "RFC 867", "pass"), (first.GetProperty("id").GetString(), first.GetProperty("level").GetString(), first.GetProperty("rfc").GetString(), first.GetProperty("verdict").GetString()));
        Assert.Equal(["target", "service", "transport", "address", "port", "served", "cases"], targets[0].EnumerateObject().Select(p => p.Name));
        JsonElement summary = report.RootElement.GetProperty("summary");
        Assert.Equal((2, 0, 0, 0), (summary.GetProperty("passed").GetInt32(), summary.GetProperty("failed").GetInt32(), summary.GetProperty("warnings").GetInt32(), summary.GetProperty("skipped").GetInt32()));
    }

    [Fact]
    public async Task OutputFile_GetsTheReport_StdoutTheSummary()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Time);
        using ScanCli cli = Check();
        string file = Path.Combine(cli.Directory, "report.xml");
        string target = server.EndPoint(ServiceKind.Time, Transport.Tcp).ToString();

        var (code, output, _) = await cli.RunAsync(target, "--service", "time", "--format", "junit", "-o", file, "--timeout", "500");

        Assert.Equal(0, code);
        Assert.StartsWith("<?xml", File.ReadAllText(file), StringComparison.Ordinal);
        Assert.Equal($"{target} time: 6 passed, 1 warning\ntotal: 1 target, 1 service: 6 passed, 1 warning\n", output);
    }

    [Fact]
    public async Task List_PrintsEveryCase_AndSendsNothing()
    {
        using ScanCli cli = Check();

        var (code, output, _) = await cli.RunAsync("--list", "--cases", "time/*");
        var (jsonCode, json, _) = await cli.RunAsync("--list", "--format", "json");

        Assert.Equal((0, 0), (code, jsonCode));
        Assert.False(cli.Started);
        Assert.StartsWith("time/tcp/four-bytes-then-close   must    RFC 868\n", output, StringComparison.Ordinal);
        Assert.EndsWith("\n7 cases\n", output, StringComparison.Ordinal);
        using JsonDocument list = JsonDocument.Parse(json);
        Assert.Equal(Inetkit.Conformance.ConformanceSuite.All.Count, list.RootElement.GetArrayLength());
        Assert.Equal("When a datagram is received, the data from it is sent back in an answering datagram.", list.RootElement.EnumerateArray().First(c => c.GetProperty("id").GetString() == "echo/udp/datagram-1").GetProperty("quote").GetString());
    }

    [Fact]
    public async Task Trace_NarratesTheSocketCalls_OnStderr()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        using ScanCli cli = Check();

        var (code, _, error) = await cli.RunAsync(server.EndPoint(ServiceKind.Echo, Transport.Udp).ToString(), "--service", "echo", "--cases", "echo/udp/datagram-1", "--trace");

        Assert.Equal(0, code);
        Assert.Contains("[echo/udp] sendto(1 bytes, 127.0.0.1:", error, StringComparison.Ordinal);
        Assert.Contains("[echo/udp] recvfrom(65536) -> 1 bytes from 127.0.0.1:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TargetsFromAFile_AreEachTheirOwnSection()
    {
        await using InetServer first = await Servers.StartAsync(ServiceKind.Echo);
        await using InetServer second = await Servers.StartAsync(ServiceKind.Echo);
        using ScanCli cli = Check();
        string a = first.EndPoint(ServiceKind.Echo, Transport.Tcp).ToString(), b = second.EndPoint(ServiceKind.Echo, Transport.Tcp).ToString();
        string list = cli.File("students.txt", $"# class of 2026\n{a}   # alice\n{b}\n");

        var (code, output, _) = await cli.RunAsync("-iL", list, "--service", "echo", "--cases", "echo/tcp/line", "--tcp");

        Assert.Equal(0, code);
        Assert.Equal($"{a}: echo\n  PASS  echo/tcp/line  13 bytes, identical\necho: 1 passed\n\n{b}: echo\n  PASS  echo/tcp/line  13 bytes, identical\necho: 1 passed\n\ntotal: 2 targets, 2 services: 2 passed\n", output);
    }

    [Fact]
    public async Task Ipv6InBrackets_AndALoopbackName_AreTargetsToo()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        using ScanCli cli = Check();
        cli.Names["localhost"] = [IPAddress.Loopback];
        int v6 = server.EndPoint(ServiceKind.Echo, Transport.Tcp, ipv6: true).Port, v4 = server.EndPoint(ServiceKind.Echo, Transport.Tcp).Port;

        var (code, output, _) = await cli.RunAsync($"[::1]:{v6}", $"localhost:{v4}", "--service", "echo", "--cases", "echo/*/line,echo/udp/datagram-1", "--format", "json");

        Assert.Equal(0, code);
        using JsonDocument report = JsonDocument.Parse(output);
        Assert.Equal([("[::1]:" + v6, "::1"), ("[::1]:" + v6, "::1"), ($"localhost:{v4}", "127.0.0.1"), ($"localhost:{v4}", "127.0.0.1")],
            report.RootElement.GetProperty("targets").EnumerateArray().Select(t => (t.GetProperty("target").GetString(), t.GetProperty("address").GetString())));
        Assert.Equal(["localhost"], cli.Lookups);
    }
}
