using System.Net;
using System.Net.Sockets;
using System.Text;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("unknown service 'gopher'", "serve", "gopher")]
    [InlineData("--port 70000 is out of range", "serve", "echo", "--port", "70000")]
    [InlineData("--port -1 is out of range", "serve", "echo", "--port", "-1")]
    [InlineData("--port needs exactly one SERVICE, not 2", "serve", "echo", "qotd", "--port", "5000")]
    [InlineData("--port needs exactly one SERVICE (with all six", "serve", "--port", "5000")]
    [InlineData("--port-offset 65499 is out of range", "serve", "--port-offset", "65499")]
    [InlineData("--port-offset -3 is out of range", "serve", "--port-offset", "-3")]
    [InlineData("--max-connections 0 is out of range", "serve", "--max-connections", "0")]
    [InlineData("--max-connections-per-source 0 is out of range", "serve", "--max-connections-per-source", "0")]
    [InlineData("--idle-timeout -1 is out of range", "serve", "--idle-timeout", "-1")]
    [InlineData("--udp-rate 0 is out of range", "serve", "--udp-rate", "0")]
    [InlineData("--udp-global-rate -2 is out of range", "serve", "--udp-global-rate", "-2")]
    [InlineData("--grace -1 is out of range", "serve", "--grace", "-1")]
    [InlineData("--bind example: not an IP address", "serve", "--bind", "example")]
    [InlineData("--metrics 127.0.0.1:99999: give ADDR:PORT, such as 127.0.0.1:9464 (or a PORT alone, on loopback)", "serve", "--metrics", "127.0.0.1:99999")]
    [InlineData("--metrics nowhere: give ADDR:PORT", "serve", "--metrics", "nowhere")]
    [InlineData("--bind : not an IP address", "serve", "--bind", "")]
    [InlineData("--daytime-format: the daytime format is empty", "serve", "--daytime-format", " ")]
    [InlineData("service 'echo' is named twice", "serve", "echo", "ECHO")]
    [InlineData("Cannot parse argument 'many' for option '--port'", "serve", "echo", "--port", "many")]
    [InlineData("unrecognized option '--frobnicate'", "serve", "--frobnicate")]
    [InlineData("Required command was not provided", new string[0])]
    public async Task BadArguments_ExitCode2_OneClearLine_NoStackTrace(string message, params string[] args)
    {
        var (code, output, error) = await CliRunner.RunToEndAsync(args);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.StartsWith("inetkit: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortInUse_ExitCode1_NamesAddressPortAndProtocol()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        var (code, output, error) = await CliRunner.RunToEndAsync("serve", "echo", "--port", port.ToString(), "--bind", "127.0.0.1");

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal($"inetkit: cannot listen on 127.0.0.1:{port} (echo/tcp): address already in use; stop whatever holds it (ss -lntup shows it) or choose another port with --port or --port-offset\n", error);
    }

    [Fact]
    public async Task QuotesFileMissing_ExitCode1_NamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"inetkit-no-such-{Guid.NewGuid():N}.txt");

        var (code, _, error) = await CliRunner.RunToEndAsync("serve", "qotd", "--port", "0", "--quotes", path);

        Assert.Equal(1, code);
        Assert.Equal($"inetkit: quotes file {path}: does not exist\n", error);
    }

    [Theory]
    [InlineData("", "holds no quotes")]
    [InlineData("%\n%\n", "holds no quotes")]
    [InlineData("fine\n%\nfine too\n%\nthird\n", null)]
    public async Task QuotesFileEmptyOrGood(string content, string? problem)
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, content);
        try
        {
            if (problem is null)
            {
                await AssertServesOnceAsync(["serve", "qotd", "--port", "0", "--udp", "--quotes", path, "--once"], "fine\r\n");
                return;
            }
            var (code, _, error) = await CliRunner.RunToEndAsync("serve", "qotd", "--port", "0", "--quotes", path);
            Assert.Equal(1, code);
            Assert.Contains(path, error, StringComparison.Ordinal);
            Assert.Contains(problem, error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task QuotesFileWithAnOversizedQuote_ExitCode1_NamesTheEntry()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "short\n%\n" + new string('q', 600) + "\n");
        try
        {
            var (code, _, error) = await CliRunner.RunToEndAsync("serve", "qotd", "--port", "0", "--quotes", path);

            Assert.Equal(1, code);
            Assert.Equal($"inetkit: quotes file {path}: quote 2 (line 3) is 602 bytes; RFC 865 allows at most 512\n", error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Quotes files cut short, padded, binary or too large, each through <c>serve --quotes</c>.</summary>
    public static TheoryData<string, byte[], string> BrokenQuotesFiles => new()
    {
        { "cut inside a UTF-8 sequence", [.. "caf"u8, 0xC3], "is not UTF-8 text" },
        { "an overlong UTF-8 encoding", [.. "a "u8, 0xC0, 0xAF, .. "\n"u8], "is not UTF-8 text" },
        { "binary", [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00], "quote 1 (line 1) holds a control character" },
        { "one quote of 513 bytes on the wire", [.. Encoding.ASCII.GetBytes(new string('q', 511) + "\n")], "quote 1 (line 1) is 513 bytes; RFC 865 allows at most 512" },
        { "one byte over 16 MB", [.. Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("a quote\n%\n", (16 << 20) / 10)) + new string('x', (16 << 20) % 10 + 1))], "is 16,777,217 bytes; a quotes file may hold at most 16,777,216" },
    };

    [Theory]
    [MemberData(nameof(BrokenQuotesFiles), DisableDiscoveryEnumeration = true)] // one case is 16 MB
    public async Task QuotesFileBroken_ExitCode1_OneLineNamingTheFileAndTheProblem(string what, byte[] content, string problem)
    {
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, content);
        try
        {
            var (code, output, error) = await CliRunner.RunToEndAsync("serve", "qotd", "--port", "0", "--quotes", path);

            Assert.True(code == 1, $"{what}: exit {code}");
            Assert.Equal($"inetkit: quotes file {path}: {problem}\n", error);
            Assert.Empty(output); // refused before any socket was bound
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task QuotesFromADeviceThatNeverEnds_AreRefusedAfter16MB_NotReadUntilMemoryRunsOut()
    {
        Assert.SkipUnless(File.Exists("/dev/zero"), "needs /dev/zero");

        var (code, _, error) = await CliRunner.RunToEndAsync("serve", "qotd", "--port", "0", "--quotes", "/dev/zero");

        Assert.Equal(1, code);
        Assert.Equal("inetkit: quotes file /dev/zero: holds more than 16,777,216 bytes, the most a quotes file may hold\n", error);
    }

    [Theory]
    [InlineData("cut shor", "cut shor\r\n")] // cut short, without a final line end
    [InlineData("\uFEFFfine\n%\nsecond\n", "fine\r\n")] // a byte-order mark
    [InlineData("\r\n\r\ntwo\r\nlines\r\n\r\n%\r\n", "two\r\nlines\r\n")] // CRLF line ends, blank lines around the quote
    [InlineData(null, null)] // a quote of exactly 512 bytes on the wire
    public async Task QuotesFileOddButValid_IsServed(string? content, string? expected)
    {
        content ??= new string('q', 510) + "\n";
        expected ??= new string('q', 510) + "\r\n";
        string path = Path.GetTempFileName();
        File.WriteAllText(path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        try
        {
            await AssertServesOnceAsync(["serve", "qotd", "--port", "0", "--udp", "--bind", "127.0.0.1", "--quotes", path, "--once"], expected);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Once_Udp_PrintsTheRealPort_ServesOneDatagram_ExitsZero()
    {
        await AssertServesOnceAsync(["serve", "echo", "--port", "0", "--udp", "--bind", "127.0.0.1", "--once"], "Hello World", "Hello World");
    }

    [Fact]
    public async Task Serve_AllSixOnAnOffset_PrintsOneLinePerSocket_StopsWithExitZero()
    {
        using var timeout = TestTimeout.Create();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var cli = new CliRunner();
        int offset = FreeOffset();

        Task<int> run = cli.RunAsync(stop.Token, "serve", "--port-offset", offset.ToString(), "--bind", "127.0.0.1");
        await cli.Err.WaitForLineAsync(l => l.Contains("serving 12 sockets", StringComparison.Ordinal), timeout.Token);
        byte[] quote = await Net.ExchangeAsync(new IPEndPoint(IPAddress.Loopback, offset + 17), Inetkit.Protocol.Transport.Tcp, [], timeout.Token);
        await stop.CancelAsync();
        int code = await run.WaitAsync(timeout.Token);

        Assert.Equal(0, code);
        Assert.NotEmpty(quote);
        string[] expected =
        [
            $"echo     tcp  127.0.0.1:{offset + 7}", $"echo     udp  127.0.0.1:{offset + 7}",
            $"discard  tcp  127.0.0.1:{offset + 9}", $"discard  udp  127.0.0.1:{offset + 9}",
            $"daytime  tcp  127.0.0.1:{offset + 13}", $"daytime  udp  127.0.0.1:{offset + 13}",
            $"qotd     tcp  127.0.0.1:{offset + 17}", $"qotd     udp  127.0.0.1:{offset + 17}",
            $"chargen  tcp  127.0.0.1:{offset + 19}", $"chargen  udp  127.0.0.1:{offset + 19}",
            $"time     tcp  127.0.0.1:{offset + 37}", $"time     udp  127.0.0.1:{offset + 37}",
        ];
        Assert.Equal(expected, cli.Out.Lines);
    }

    [Fact]
    public async Task Trace_GoesToStderrInTheSeedsWords()
    {
        using var timeout = TestTimeout.Create();
        var cli = new CliRunner();

        Task<int> run = cli.RunAsync(timeout.Token, "serve", "echo", "--port", "0", "--udp", "--bind", "127.0.0.1", "--once", "--trace");
        IPEndPoint server = IPEndPoint.Parse((await cli.Out.WaitForLineAsync(_ => true, timeout.Token)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
        await Net.UdpExchangeAsync(server, "Hello World"u8.ToArray(), timeout.Token);
        Assert.Equal(0, await run.WaitAsync(timeout.Token));

        string[] calls = [.. cli.Err.Lines.Where(l => l.StartsWith("[echo/udp]", StringComparison.Ordinal)).Select(l => l["[echo/udp] ".Length..])];
        Assert.Equal("socket(AF_INET, SOCK_DGRAM)", calls[0]);
        Assert.Equal($"bind({server})", calls[1]);
        Assert.Matches(@"^recvfrom\(65535\) -> 11 bytes from 127\.0\.0\.1:\d+$", calls[2]);
        Assert.Matches(@"^sendto\(11 bytes, 127\.0\.0\.1:\d+\)$", calls[3]);
        Assert.Equal("close()", calls[^1]);
    }

    [Fact]
    public async Task BindBeyondLoopback_WarnsThatUdpIsExposed()
    {
        using var timeout = TestTimeout.Create();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var cli = new CliRunner();

        // Binding the wildcard opens a port, but this test sends nothing except to loopback.
        Task<int> run = cli.RunAsync(stop.Token, "serve", "time", "--port", "0", "--bind", "0.0.0.0");
        string warning = await cli.Err.WaitForLineAsync(l => l.Contains("warning", StringComparison.Ordinal), timeout.Token);
        await stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(timeout.Token));
        Assert.Contains("UDP services are reachable beyond loopback on 0.0.0.0", warning, StringComparison.Ordinal);
        Assert.Contains("no reply is longer than its request", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoopbackOnly_NoExposureWarning()
    {
        using var timeout = TestTimeout.Create();
        await AssertServesOnceAsync(["serve", "time", "--port", "0", "--udp", "--once"], null);
    }

    private static async Task AssertServesOnceAsync(string[] args, string? expectedReply, string request = "")
    {
        using var timeout = TestTimeout.Create();
        var cli = new CliRunner();
        Task<int> run = cli.RunAsync(timeout.Token, args);
        string line = await cli.Out.WaitForLineAsync(_ => true, timeout.Token);
        IPEndPoint server = IPEndPoint.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);

        byte[] reply = await Net.UdpExchangeAsync(server, Encoding.ASCII.GetBytes(request), timeout.Token);

        Assert.Equal(0, await run.WaitAsync(timeout.Token));
        Assert.NotEqual(0, server.Port);
        if (expectedReply is not null)
        {
            Assert.Equal(expectedReply, Encoding.ASCII.GetString(reply));
        }
        Assert.DoesNotContain("warning", cli.Err.ToString(), StringComparison.Ordinal);
    }

    /// <summary>An offset whose twelve ports are free right now on 127.0.0.1 (asked of the kernel, not assumed).</summary>
    private static int FreeOffset()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int offset = ((IPEndPoint)probe.LocalEndPoint!).Port - 7;
            if (offset + 37 > 65535)
            {
                continue;
            }
            probe.Dispose();
            if (Inetkit.Protocol.WellKnownPorts.All.All(s => IsFree(offset + Inetkit.Protocol.WellKnownPorts.WellKnown(s))))
            {
                return offset;
            }
        }
        throw new InvalidOperationException("no free offset found");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
