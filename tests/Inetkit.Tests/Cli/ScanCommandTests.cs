using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Scanning;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>
/// <c>inetkit scan</c> as typed, against real loopback listeners on ephemeral ports: bad input (exit 2), every TCP and
/// UDP state, banners, target files and exclusions, the output options, and shards.
/// </summary>
public sealed class ScanCommandTests
{
    private const string UsageHint = "Run 'inetkit scan --help' for usage.";

    [Theory]
    [InlineData("-p: '70000' in the port list '70000' is not a port or range of ports in 1-65535", "127.0.0.1", "-p", "70000")]
    [InlineData("-p: '5-1' in the port list '5-1' runs backwards (5 > 1)", "127.0.0.1", "-p", "5-1")]
    [InlineData("-p: 'abc' in the port list 'abc' is not a port or range of ports in 1-65535", "127.0.0.1", "-p", "abc")]
    [InlineData("-p: the port list is empty", "127.0.0.1", "-p", "")]
    [InlineData("-p: 'U:' in the port list '80,U:' names no port", "127.0.0.1", "-p", "80,U:")]
    [InlineData("targets: '127.0.0.1/33' is not a CIDR block (ADDRESS/PREFIX, prefix 0-32 for IPv4, 0-128 for IPv6)", "127.0.0.1/33", "-p", "80")]
    [InlineData("targets: '::1/129' is not a CIDR block (ADDRESS/PREFIX, prefix 0-32 for IPv4, 0-128 for IPv6)", "::1/129", "-p", "80")]
    [InlineData("no targets given: name at least one (127.0.0.1, localhost, ::1...), or a file of them with -iL FILE", "-p", "80")]
    [InlineData("no targets left to scan (every one was excluded or could not be resolved)", "127.0.0.1", "-p", "80", "--exclude", "127.0.0.1")]
    [InlineData("no targets left to scan (every one was excluded or could not be resolved)", "127.0.0.0/30", "-p", "80", "--exclude", "127.0.0.0/31,127.0.0.2-3")]
    [InlineData("no targets left to scan (every one was excluded or could not be resolved)", "localhost", "-p", "80", "--exclude", "127.0.0.1,::1")]
    public async Task BadInput_Exit2_OneLine_NothingScanned(string message, params string[] args)
    {
        using var cli = new ScanCli();
        cli.Names["localhost"] = [IPAddress.Loopback, IPAddress.IPv6Loopback];

        var (code, output, error) = await cli.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal($"inetkit: scan: {message}\n", error);
        Assert.False(cli.Started);
    }

    [Theory]
    [InlineData("--format 'yaml' is not one of text, json, xml, csv, html", "--format", "yaml")]
    [InlineData("--shard '0/2' is not I/N with 1 <= I <= N <= 1,000,000 (for example 2/4)", "--shard", "0/2")]
    [InlineData("--shard '3/2' is not I/N with 1 <= I <= N <= 1,000,000 (for example 2/4)", "--shard", "3/2")]
    [InlineData("--timeout 0 is out of range (1-600000)", "--timeout", "0")]
    [InlineData("--concurrency 0 is out of range (1-65536)", "--concurrency", "0")]
    public async Task BadOption_Exit2_OneLineAndTheUsageHint(string message, params string[] args)
    {
        using var cli = new ScanCli();

        var (code, output, error) = await cli.RunAsync(["127.0.0.1", "-p", "80", .. args]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal($"inetkit: {message}\n{UsageHint}\n", error);
        Assert.False(cli.Started);
    }

    [Fact]
    public async Task DashPDash_PlansEveryPort()
    {
        // A shard that holds none of 127.0.0.1's TCP ports: the plan still covers 1-65535, yet no probe is sent,
        // so this test does not knock on every listener of the tests running beside it.
        const int Shards = 1_000_000;
        int empty = Enumerable.Range(1, Shards).First(i => !Enumerable.Range(1, 65535).Any(p => new ScanShard(i, Shards).Includes(IPAddress.Loopback, Transport.Tcp, p)));
        using var cli = new ScanCli();

        var (code, output, error) = await cli.RunAsync("127.0.0.1", "-p-", "--shard", $"{empty}/{Shards}", "--format", "xml");

        Assert.Equal((0, ""), (code, error));
        Assert.Contains("<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"65535\" services=\"1-65535\" />", output, StringComparison.Ordinal);
        Assert.DoesNotContain("<port ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# targets for the audit\n\n   # none yet\n")]
    public async Task TargetFile_EmptyOrOnlyComments_Exit2(string content)
    {
        using var cli = new ScanCli();
        string file = cli.File("targets.txt", content);

        var (code, output, error) = await cli.RunAsync("-iL", file, "-p", "80");

        Assert.Equal((2, ""), (code, output));
        Assert.Equal("inetkit: scan: no targets given: name at least one (127.0.0.1, localhost, ::1...), or a file of them with -iL FILE\n", error);
    }

    [Fact]
    public async Task TargetFile_Missing_Exit2_NamesIt()
    {
        using var cli = new ScanCli();
        string missing = Path.Combine(cli.Directory, "no-such-targets.txt");

        var (code, output, error) = await cli.RunAsync("-iL", missing, "-p", "80");

        Assert.Equal((2, ""), (code, output));
        Assert.StartsWith($"inetkit: scan: -iL {missing}: ", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData(2, ": -iL /dev/zero: holds more than 67,108,864 bytes; split the list and scan it in parts", "-iL", "/dev/zero")]
    [InlineData(2, ": --exclude-file /dev/zero: holds more than 67,108,864 bytes; split the list and scan it in parts", "127.0.0.1", "--exclude-file", "/dev/zero")]
    [InlineData(5, " refused: scope file /dev/zero: is larger than 1 MiB; a scope file is a short list", "127.0.0.1", "--scope", "/dev/zero")]
    public async Task AFileThatNeverEnds_IsRefusedAtItsLimit_InOneLine(int exit, string problem, params string[] args)
    {
        Assert.SkipUnless(System.IO.File.Exists("/dev/zero"), "needs /dev/zero");
        using var cli = new ScanCli();

        var (code, output, error) = await cli.RunAsync([.. args, "-p", "80"]);

        Assert.Equal((exit, ""), (code, output));
        Assert.StartsWith($"inetkit: scan{problem}", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task TargetsFromAnEndlessPipe_AreRefusedAtTheLimit_InOneLine()
    {
        using var cli = new ScanCli();

        var (code, output, error) = await cli.RunWithInputAsync(new EndlessReader(), "-iL", "-", "-p", "80");

        Assert.Equal((2, ""), (code, output));
        Assert.Equal("inetkit: scan: -iL -: holds more than 67,108,864 bytes; split the list and scan it in parts\n", error);
    }

    /// <summary>What <c>yes 127.0.0.1 | inetkit scan -iL -</c> gives: the same line, for ever.</summary>
    private sealed class EndlessReader : TextReader
    {
        private const string Line = "127.0.0.1\n";
        private long _position;

        public override int Read(char[] buffer, int index, int count)
        {
            for (int i = 0; i < count; i++)
            {
                buffer[index + i] = Line[(int)(_position++ % Line.Length)];
            }
            return count;
        }
    }

    [Fact]
    public async Task OutputInADirectoryThatDoesNotExist_Exit2_BeforeAnyProbe()
    {
        using var cli = new ScanCli();
        string path = Path.Combine(cli.Directory, "missing", "report.json");

        var (code, output, error) = await cli.RunAsync("127.0.0.1", "-p", ClosedPort.Tcp().ToString(), "-o", path);

        Assert.Equal((2, ""), (code, output));
        Assert.StartsWith($"inetkit: scan: -o {path}: cannot write there (", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(cli.Started);
    }

    [Fact]
    public async Task Tcp_EveryState_Json()
    {
        using var timeout = TestTimeout.Create();
        using var open = LoopbackListeners.Start(1);
        // Backlog 0 and nobody accepting: once one connection waits in the queue, Linux drops further SYNs, which is
        // what a dropping firewall looks like from here.
        using var full = LoopbackListeners.Start(1, backlog: 0);
        using Socket waiting = await Net.ConnectAsync(new IPEndPoint(IPAddress.Loopback, full.Ports[0]), timeout.Token);
        int closed = ClosedPort.Tcp();
        using var cli = new ScanCli();

        var (code, output, error) = await cli.RunAsync("127.0.0.1", "-p", $"{open.Ports[0]},{full.Ports[0]},{closed}", "--timeout", "300", "--format", "json", "--show-closed");

        Assert.Equal((0, ""), (code, error));
        Assert.Equal(
            [(open.Ports[0], "tcp", "open", "syn-ack"), (full.Ports[0], "tcp", "filtered", "no-response"), (closed, "tcp", "closed", "conn-refused")],
            Ports(output).OrderBy(p => p.Port == open.Ports[0] ? 0 : p.Port == full.Ports[0] ? 1 : 2).Select(p => (p.Port, p.Protocol, p.State, p.Reason)));
    }

    [Fact]
    public async Task Udp_EveryState_Json()
    {
        using var timeout = TestTimeout.Create();
        await using InetServer echo = await Servers.StartAsync(ServiceKind.Echo);
        await using InetServer daytime = await Servers.StartAsync(ServiceKind.Daytime);
        await using InetServer discard = await Servers.StartAsync(ServiceKind.Discard);
        await using var silent = RawUdpPeer.Silent();
        int echoPort = echo.EndPoint(ServiceKind.Echo, Transport.Udp).Port, daytimePort = daytime.EndPoint(ServiceKind.Daytime, Transport.Udp).Port;
        int discardPort = discard.EndPoint(ServiceKind.Discard, Transport.Udp).Port, silentPort = silent.EndPoint.Port, closed = ClosedPort.Udp();
        using var cli = new ScanCli();

        var (code, output, error) = await cli.RunAsync("127.0.0.1", "-sU", "-p", $"{echoPort},{daytimePort},{discardPort},{silentPort},{closed}", "--timeout", "300", "--format", "json", "--show-closed");

        Assert.Equal((0, ""), (code, error));
        var states = Ports(output).ToDictionary(p => p.Port, p => (p.Protocol, p.State, p.Reason));
        Assert.Equal(("udp", "open", "udp-response"), states[echoPort]);
        Assert.Equal(("udp", "open", "udp-response"), states[daytimePort]);
        Assert.Equal(("udp", "open|filtered", "no-response"), states[discardPort]);
        Assert.Equal(("udp", "open|filtered", "no-response"), states[silentPort]);
        Assert.Equal(("udp", "closed", "port-unreach"), states[closed]);
        Assert.Equal(5, states.Count);
    }

    [Fact]
    public async Task ProtocolPrefixes_ScanTcpAndUdpInOneRun()
    {
        using var listeners = LoopbackListeners.Start(1);
        await using var echo = RawUdpPeer.Echo();
        using var cli = new ScanCli();

        var (code, output, _) = await cli.RunAsync("127.0.0.1", "-p", $"U:{echo.EndPoint.Port},T:{listeners.Ports[0]}", "--format", "json");

        Assert.Equal(0, code);
        Assert.Equal([("tcp", listeners.Ports[0], "open"), ("udp", echo.EndPoint.Port, "open")], Ports(output).Select(p => (p.Protocol, p.Port, p.State)));
    }

    [Fact]
    public async Task Banner_QotdAndDaytimeOverTcp_ShowWhatTheySaid()
    {
        await using InetServer qotd = await Servers.StartAsync(ServiceKind.Qotd, configure: o => o with { Quotes = QuoteBook.Parse("Inetkit's test quote.\n    -- the tests\n", "test") });
        await using InetServer daytime = await Servers.StartAsync(ServiceKind.Daytime);
        int qotdPort = qotd.EndPoint(ServiceKind.Qotd, Transport.Tcp).Port, daytimePort = daytime.EndPoint(ServiceKind.Daytime, Transport.Tcp).Port;
        string ports = $"{qotdPort},{daytimePort}";
        using var cli = new ScanCli();

        var (textCode, text, _) = await cli.RunAsync("127.0.0.1", "-p", ports, "--banner");
        var (jsonCode, json, _) = await cli.RunAsync("127.0.0.1", "-p", ports, "--banner", "--format", "json");

        Assert.Equal((0, 0), (textCode, jsonCode));
        string[] lines = text.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("PORT ", StringComparison.Ordinal));
        Assert.Matches(@"^PORT +STATE +SERVICE +BANNER$", lines[header]);
        Assert.Matches($@"^{qotdPort}/tcp +open +\S+ +Inetkit's test quote\.$", lines[header + (qotdPort < daytimePort ? 1 : 2)]);
        Assert.Matches($@"^{daytimePort}/tcp +open +\S+ +\w{{3}} \w{{3}} [ \d]\d \d\d:\d\d:\d\d \d{{4}}$", lines[header + (qotdPort < daytimePort ? 2 : 1)]);
        var banners = Ports(json).ToDictionary(p => p.Port, p => p.Banner);
        Assert.Equal("Inetkit's test quote.", banners[qotdPort]);
        Assert.Matches(@"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$", banners[daytimePort]);
    }

    [Fact]
    public async Task TargetFile_WithComments_LessExclusionsAndAnExclusionFile()
    {
        using var cli = new ScanCli();
        string targets = cli.File("targets.txt", "# hosts for the test\n127.0.0.1   # this machine\n127.0.0.2,127.0.0.3\n\n127.0.0.4\t127.0.0.5\n");
        string excluded = cli.File("exclude.txt", "# not these\n127.0.0.4\n");

        var (code, output, error) = await cli.RunAsync("-iL", targets, "--exclude", "127.0.0.2", "--exclude-file", excluded, "-p", ClosedPort.Tcp().ToString(), "--format", "json");

        Assert.Equal((0, ""), (code, error));
        Assert.Equal(["127.0.0.1", "127.0.0.3", "127.0.0.5"], Hosts(output).Select(h => h.GetProperty("address").GetString()));
    }

    [Fact]
    public async Task TargetList_FromStdin()
    {
        using var cli = new ScanCli();

        var (code, output, _) = await cli.RunWithInputAsync("127.0.0.1\n# and nothing else\n", "-iL", "-", "-p", ClosedPort.Tcp().ToString(), "--format", "json");

        Assert.Equal(0, code);
        Assert.Equal(["127.0.0.1"], Hosts(output).Select(h => h.GetProperty("address").GetString()));
    }

    [Fact]
    public async Task ShowClosed_ListsEveryClosedPortInTheTable()
    {
        int[] closed = ClosedPort.Tcp(30);
        using var cli = new ScanCli();

        var (code, output, _) = await cli.RunAsync("127.0.0.1", "-p", string.Join(',', closed), "--show-closed");

        Assert.Equal(0, code);
        Assert.DoesNotContain("Not shown", output, StringComparison.Ordinal);
        Assert.Equal(closed, output.Split('\n').Where(l => l.Contains("/tcp closed", StringComparison.Ordinal)).Select(l => int.Parse(l.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("json", "{\"scanner\":\"inetkit\"")]
    [InlineData("xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n")]
    [InlineData("csv", "host,name,protocol,port,state,service,reason,banner,type\r\n127.0.0.1,,tcp,")]
    [InlineData("text", "Inetkit scan report for 127.0.0.1\n")]
    [InlineData("html", "<!DOCTYPE html>\n<html lang=\"en\">\n")]
    public async Task OutputFile_HoldsTheFormat_StdoutStillShowsTheTable(string format, string fileStart)
    {
        using var listeners = LoopbackListeners.Start(1);
        using var cli = new ScanCli();
        string file = Path.Combine(cli.Directory, "report." + format);

        var (code, output, error) = await cli.RunAsync("127.0.0.1", "-p", listeners.Ports[0].ToString(), "--format", format, "-o", file);

        Assert.Equal((0, ""), (code, error));
        Assert.StartsWith(fileStart, File.ReadAllText(file), StringComparison.Ordinal);
        Assert.StartsWith("Inetkit scan report for 127.0.0.1\nHost is up.\nPORT ", output, StringComparison.Ordinal);
        Assert.Contains($"\n{listeners.Ports[0]}/tcp open ", output, StringComparison.Ordinal);
        Assert.Matches(@"\nInetkit done: 1 host \(1 up\), 1 port scanned in .*; 1 open\n$", output);
    }

    [Fact]
    public async Task IPv6Loopback()
    {
        using var listeners = LoopbackListeners.Start(1, IPAddress.IPv6Loopback);
        using var cli = new ScanCli();

        var (code, output, _) = await cli.RunAsync("::1", "-p", $"{listeners.Ports[0]},{ClosedPort.Tcp()}", "--format", "json");

        Assert.Equal(0, code);
        JsonElement host = Assert.Single(Hosts(output));
        Assert.Equal("::1", host.GetProperty("address").GetString());
        Assert.Equal([(listeners.Ports[0], "open")], Ports(output).Select(p => (p.Port, p.State)));
    }

    [Fact]
    public async Task Localhost_ShowsTheNameItWasGivenBy()
    {
        using var listeners = LoopbackListeners.Start(1);
        using var cli = new ScanCli();
        cli.Names["localhost"] = [IPAddress.IPv6Loopback, IPAddress.Loopback];

        var (code, text, _) = await cli.RunAsync("localhost", "-p", listeners.Ports[0].ToString());
        var (_, json, _) = await cli.RunAsync("localhost", "-p", listeners.Ports[0].ToString(), "--format", "json");

        Assert.Equal(0, code);
        Assert.StartsWith("Inetkit scan report for localhost (127.0.0.1)\n", text, StringComparison.Ordinal); // IPv4 first, as nmap picks
        JsonElement host = Assert.Single(Hosts(json));
        Assert.Equal(("127.0.0.1", "localhost"), (host.GetProperty("address").GetString(), host.GetProperty("name").GetString()));
        Assert.Equal(["localhost", "localhost"], cli.Lookups);
    }

    [Fact]
    public async Task Localhost_ThroughTheSystemResolver()
    {
        using var listeners = LoopbackListeners.Start(1);

        var (code, output, error) = await CliRunner.RunToEndAsync("scan", "localhost", "-p", listeners.Ports[0].ToString());

        Assert.Equal((0, ""), (code, error));
        Assert.Matches(@"^Inetkit scan report for localhost \((127\.0\.0\.1|::1)\)\n", output);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Shards_AreDisjoint_AndTogetherAreTheWholeScan(int count)
    {
        using var listeners = LoopbackListeners.Start(2);
        await using var echo = RawUdpPeer.Echo();
        int[] tcp = [.. listeners.Ports, .. ClosedPort.Tcp(20)];
        int[] udp = [echo.EndPoint.Port, .. ClosedPort.Udp(8)];
        string ports = $"T:{string.Join(',', tcp)},U:{string.Join(',', udp)}";
        using var cli = new ScanCli();
        var everything = tcp.Select(p => ("tcp", p)).Concat(udp.Select(p => ("udp", p))).ToHashSet();

        var whole = await ScannedAsync(cli, "127.0.0.1", "-p", ports, "--timeout", "300", "--show-closed", "--format", "json");
        var shards = new List<HashSet<(string, int)>>();
        for (int i = 1; i <= count; i++)
        {
            shards.Add(await ScannedAsync(cli, "127.0.0.1", "-p", ports, "--timeout", "300", "--show-closed", "--format", "json", "--shard", $"{i}/{count}"));
        }

        Assert.Equal(everything, whole);
        Assert.Equal(everything.Count, shards.Sum(s => s.Count)); // no (protocol, port) in two shards
        Assert.Equal(everything, shards.SelectMany(s => s).ToHashSet());
        Assert.All(shards, s => Assert.True(s.Count < everything.Count, "every shard is a share, not the whole"));
    }

    private static async Task<HashSet<(string, int)>> ScannedAsync(ScanCli cli, params string[] args)
    {
        var (code, output, _) = await cli.RunAsync(args);
        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(Ports(output).Count, json.RootElement.GetProperty("summary").GetProperty("ports_scanned").GetInt32());
        return [.. Ports(output).Select(p => (p.Protocol, p.Port))];
    }

    private static List<JsonElement> Hosts(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("hosts").EnumerateArray().Select(h => h.Clone())];
    }

    private static List<(int Port, string Protocol, string State, string Reason, string? Banner)> Ports(string json) =>
        [.. Hosts(json).SelectMany(h => h.GetProperty("ports").EnumerateArray()).Select(p => (
            p.GetProperty("port").GetInt32(),
            p.GetProperty("protocol").GetString()!,
            p.GetProperty("state").GetString()!,
            p.GetProperty("reason").GetString()!,
            p.TryGetProperty("banner", out JsonElement banner) ? banner.GetString() : null))];
}
