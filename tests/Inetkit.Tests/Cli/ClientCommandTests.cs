using System.Net;
using System.Text;
using System.Text.Json;
using Inetkit.Cli;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>The client commands as typed, against raw-socket peers and Inetkit's servers: output and every exit code.</summary>
public sealed class ClientCommandTests
{
    private static readonly byte[] SeedQuote = "Object oriented programs are offered as alternatives to correct ones."u8.ToArray();

    private static async Task<(int Code, string Out, string Err)> RunWithInput(string? stdin, params string[] args)
    {
        var output = new LineWriter();
        var error = new LineWriter();
        using var timeout = TestTimeout.Create();
        int code = await InetkitCli.RunAsync(args, CliConsole.Captured(output, error, stdin is null ? null : new StringReader(stdin)), timeout.Token).WaitAsync(timeout.Token);
        TestContext.Current.TestOutputHelper?.WriteLine($"exit {code}; stderr: {error}");
        return (code, output.ToString(), error.ToString());
    }

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => RunWithInput(null, args);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Echo_Tcp_AgainstARawPeer_PrintsTheReply(bool ipv6)
    {
        await using var peer = RawTcpPeer.Start(async (s, ct) =>
        {
            var buffer = new byte[100];
            int n = await s.ReceiveAsync(buffer, ct);
            await Net.SendAllAsync(s, buffer.AsMemory(0, n), ct);
        }, ipv6);
        string target = ipv6 ? $"[::1]:{peer.EndPoint.Port}" : $"127.0.0.1:{peer.EndPoint.Port}";

        var (code, output, error) = await Run("echo", target, "Hello World");

        Assert.Equal(0, code);
        Assert.Equal("Hello World\n", output);
        Assert.Empty(error);
    }

    [Fact]
    public async Task Echo_Udp_AgainstARawPeer_WithPortOption()
    {
        await using var peer = RawUdpPeer.Echo();

        var (code, output, _) = await Run("echo", "localhost", "--udp", "--port", peer.EndPoint.Port.ToString(), "Hello World");

        Assert.Equal(0, code);
        Assert.Equal("Hello World\n", output);
    }

    [Fact]
    public async Task Echo_ReplyThatDiffers_ExitCode5()
    {
        await using var peer = RawUdpPeer.Start((d, _, reply) => reply([.. d.Reverse()]));

        var (code, output, error) = await Run("echo", $"127.0.0.1:{peer.EndPoint.Port}", "--udp", "abc");

        Assert.Equal(5, code);
        Assert.Empty(output);
        Assert.Equal($"inetkit: 127.0.0.1:{peer.EndPoint.Port} echoed different bytes: the first difference is at byte 0 of 3\n", error);
    }

    [Fact]
    public async Task Echo_Refused_Tcp_ExitCode3()
    {
        int port = ClosedPort.Tcp();

        var (code, _, error) = await Run("echo", $"127.0.0.1:{port}", "x");

        Assert.Equal(3, code);
        Assert.Equal($"inetkit: connection to 127.0.0.1:{port} (echo/tcp) refused: nothing listens there; is the server running, and on this port?\n", error);
    }

    [Fact]
    public async Task Echo_Refused_UdpIcmpPortUnreachable_ExitCode3()
    {
        int port = ClosedPort.Udp();

        var (code, _, error) = await Run("echo", $"127.0.0.1:{port}", "--udp", "x");

        Assert.Equal(3, code);
        Assert.Contains("answered with ICMP port unreachable", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Echo_NoReply_ExitCode4_TheSeedsNoConnection()
    {
        await using var peer = RawUdpPeer.Silent();

        var (code, _, error) = await Run("echo", $"127.0.0.1:{peer.EndPoint.Port}", "--udp", "--timeout", "0.2", "x");

        Assert.Equal(4, code);
        Assert.Equal($"inetkit: no reply from 127.0.0.1:{peer.EndPoint.Port} (echo/udp) within 200 ms: No connection!\n", error);
    }

    [Theory]
    [InlineData("choose one of --tcp or --udp", "echo", "127.0.0.1", "--tcp", "--udp", "x")]
    [InlineData("missing ']'", "echo", "[::1", "x")]
    [InlineData("'x' is not a port number", "echo", "127.0.0.1:x", "y")]
    [InlineData("port 0 is outside 1-65535", "qotd", "127.0.0.1:0")]
    [InlineData("--port 70000 is out of range", "time", "127.0.0.1", "--port", "70000")]
    [InlineData("--timeout 0 is out of range", "daytime", "127.0.0.1", "--timeout", "0")]
    [InlineData("MESSAGE cannot go with --count", "echo", "127.0.0.1", "hi", "--count", "3")]
    [InlineData("--size 70,000 is more than a UDP datagram can carry (65,507 bytes over IPv4", "echo", "127.0.0.1", "--udp", "--size", "70000")]
    [InlineData("--size 8 is out of range", "echo", "127.0.0.1", "--size", "8")]
    [InlineData("--chunk-size 0 is out of range", "qotd", "127.0.0.1", "--chunk-size", "0")]
    [InlineData("Required argument missing", "daytime")]
    public async Task Clients_BadArguments_ExitCode2(string message, params string[] args)
    {
        var (code, output, error) = await Run(args);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Echo_UdpMessageLargerThanADatagram_IsAUsageErrorThatSaysTheLimit()
    {
        await using var peer = RawUdpPeer.Echo();

        var (code, _, error) = await Run("echo", $"127.0.0.1:{peer.EndPoint.Port}", "--udp", new string('x', 65_508));

        Assert.Equal(2, code);
        Assert.Equal("inetkit: the message is 65,508 bytes; a UDP datagram carries at most 65,507 over IPv4 (Parameter 'message')\n", error);
    }

    [Theory]
    [InlineData("--udp", "first\nsecond\n")]
    [InlineData("--tcp", "first\nsecond\n")]
    public async Task Echo_WithoutMessage_SendsEachLineOfStdin(string transport, string input)
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        int port = server.EndPoint(ServiceKind.Echo, Transport.Tcp).Port;

        var (code, output, error) = await RunWithInput(input, "echo", $"127.0.0.1:{port}", transport);

        Assert.Equal(0, code);
        Assert.Equal("first\nsecond\n", output);
        Assert.Empty(error); // no prompt when stdin is not a terminal
    }

    [Fact]
    public async Task Echo_Measurement_Json_HasTheDocumentedKeys()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        int port = server.EndPoint(ServiceKind.Echo, Transport.Udp).Port;

        var (code, output, _) = await Run("echo", $"127.0.0.1:{port}", "--udp", "--count", "20", "--flood", "--json");

        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        foreach (string key in new[] { "sent", "received", "lost", "duplicates", "reordered", "corrupted", "late" })
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(key).ValueKind);
        }
        Assert.Equal(20, root.GetProperty("sent").GetInt32());
        Assert.Equal(20, root.GetProperty("received").GetInt32());
        JsonElement rtt = root.GetProperty("rtt_ms");
        foreach (string key in new[] { "min", "avg", "max", "mdev", "p50", "p90", "p99" })
        {
            Assert.True(rtt.GetProperty(key).GetDouble() >= 0);
        }
    }

    [Fact]
    public async Task Echo_Measurement_Text_OneLinePerProbeThenTheSummary()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);
        int port = server.EndPoint(ServiceKind.Echo, Transport.Tcp).Port;

        var (code, output, _) = await Run("echo", $"127.0.0.1:{port}", "--count", "3", "--interval", "0.01", "--size", "100");

        string[] lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(0, code);
        Assert.StartsWith($"ECHO 127.0.0.1:{port} (echo/tcp): 100-byte probes", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^100 bytes: seq=0 time=\d+\.\d{3} ms$", lines[1]);
        Assert.Matches(@"^100 bytes: seq=2 time=", lines[3]);
        Assert.Equal($"--- 127.0.0.1:{port} echo/tcp statistics ---", lines[4]);
        Assert.Equal("3 sent, 3 received, 0% loss, 0 duplicates, 0 reordered, 0 corrupted, 0 late", lines[5]);
        Assert.StartsWith("rtt min/avg/max/mdev = ", lines[6], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Echo_Measurement_NothingAnswered_ExitCode4()
    {
        await using var peer = RawUdpPeer.Silent();

        var (code, output, error) = await Run("echo", $"127.0.0.1:{peer.EndPoint.Port}", "--udp", "--count", "2", "--flood", "--timeout", "0.1", "--quiet");

        Assert.Equal(4, code);
        Assert.Contains("2 sent, 0 received, 100% loss", output, StringComparison.Ordinal);
        Assert.Contains("no reply to any of 2 probes within 0.1 s: No connection!", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Qotd_Tcp_ReadsUntilTheSeedsServerCloses(bool ipv6)
    {
        await using var peer = RawTcpPeer.SendAndClose(SeedQuote, ipv6);

        var (code, output, _) = await Run("qotd", ipv6 ? $"[::1]:{peer.EndPoint.Port}" : $"127.0.0.1:{peer.EndPoint.Port}");

        Assert.Equal(0, code);
        Assert.Equal(Encoding.ASCII.GetString(SeedQuote) + "\n", output);
    }

    [Fact]
    public async Task Qotd_TraceWithChunkSize4_ShowsTheSeedsFourByteReads()
    {
        await using var peer = RawTcpPeer.SendAndClose(SeedQuote);

        var (code, _, error) = await Run("qotd", $"127.0.0.1:{peer.EndPoint.Port}", "--chunk-size", "4", "--trace");

        string[] lines = error.TrimEnd('\n').Split('\n');
        Assert.Equal(0, code);
        Assert.Equal("[qotd/tcp] socket(AF_INET, SOCK_STREAM)", lines[0]);
        Assert.StartsWith($"[qotd/tcp] connect(127.0.0.1:{peer.EndPoint.Port})", lines[1], StringComparison.Ordinal);
        Assert.Equal((SeedQuote.Length + 3) / 4, lines.Count(l => l == "[qotd/tcp] recv(4) -> 4 bytes" || l == $"[qotd/tcp] recv(4) -> {SeedQuote.Length % 4} bytes"));
        Assert.Equal("[qotd/tcp] recv(4) -> 0 bytes (the server closed)", lines[^2]);
        Assert.Equal("[qotd/tcp] close()", lines[^1]);
    }

    [Fact]
    public async Task Qotd_Udp_AgainstInetkit_PaddedRequestGetsTheQuote()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Qotd);
        int port = server.EndPoint(ServiceKind.Qotd, Transport.Udp).Port;

        var (code, output, _) = await Run("qotd", $"127.0.0.1:{port}", "--udp", "--json");

        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(Encoding.ASCII.GetString(QuoteBook.BuiltIn[0].Span), json.RootElement.GetProperty("quote").GetString());
        Assert.Equal("udp", json.RootElement.GetProperty("transport").GetString());
    }

    [Fact]
    public async Task Qotd_ServerThatNeverCloses_ExitCode4()
    {
        await using var peer = RawTcpPeer.Start(async (s, ct) =>
        {
            await Net.SendAllAsync(s, "partial"u8.ToArray(), ct);
            await s.ReceiveAsync(new byte[1], ct); // holds the connection open
        });

        var (code, _, error) = await Run("qotd", $"127.0.0.1:{peer.EndPoint.Port}", "--timeout", "0.3");

        Assert.Equal(4, code);
        Assert.Contains("No connection!", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--tcp")]
    [InlineData("--udp")]
    public async Task Daytime_PrintsTheLineAsReceived(string transport)
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2036, 2, 7, 6, 28, 16, TimeSpan.Zero));
        await using InetServer server = await Servers.StartAsync(ServiceKind.Daytime, configure: o => o with { TimeProvider = clock });
        int port = server.EndPoint(ServiceKind.Daytime, Transport.Tcp).Port;

        var (code, output, _) = await Run("daytime", $"localhost:{port}", transport);

        Assert.Equal(0, code);
        Assert.Equal("Thu Feb  7 06:28:16 2036\n", output);
    }

    [Fact]
    public async Task Daytime_RawPeer_AnyLineIsPrinted()
    {
        await using var peer = RawTcpPeer.SendAndClose("Sunday, November 24, 2026 22:00:00-UTC\r\n"u8.ToArray());

        var (code, output, _) = await Run("daytime", $"127.0.0.1:{peer.EndPoint.Port}");

        Assert.Equal(0, code);
        Assert.Equal("Sunday, November 24, 2026 22:00:00-UTC\n", output);
    }

    [Fact]
    public async Task Time_DecodesAfterThe2036Wrap_AndComparesWithTheLocalClock()
    {
        // A raw peer answering the current time, as any RFC 868 server would; the 2036 wrap is TimeClientTests' job.
        uint now = Rfc868Time.ToSeconds(DateTimeOffset.UtcNow);
        byte[] reply = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(reply, now);
        await using var peer = RawTcpPeer.SendAndClose(reply);

        var (code, output, _) = await Run("time", $"127.0.0.1:{peer.EndPoint.Port}", "--json");

        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(now, json.RootElement.GetProperty("seconds").GetUInt32());
        Assert.Equal(Rfc868Time.ToInstant(now, DateTimeOffset.UtcNow), DateTimeOffset.Parse(json.RootElement.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(0)]
    public async Task Time_ReplyThatIsNotFourBytes_ExitCode5(int length)
    {
        await using var peer = RawTcpPeer.SendAndClose(new byte[length]);

        var (code, _, error) = await Run("time", $"127.0.0.1:{peer.EndPoint.Port}");

        Assert.Equal(5, code);
        Assert.Contains($"sent {length} bytes; RFC 868 time is exactly 4", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chargen_Tcp_VerifiesFromAnyOffset_ReportsThroughput()
    {
        // A raw server that starts mid-line, as one that kept its place between clients would.
        byte[] stream = new byte[300_000];
        ChargenPattern.Fill(stream, 1234);
        await using var peer = RawTcpPeer.SendAndClose(stream);

        var (code, output, _) = await Run("chargen", $"127.0.0.1:{peer.EndPoint.Port}", "--json");

        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(300_000, json.RootElement.GetProperty("bytes").GetInt64());
        Assert.Equal(1234, json.RootElement.GetProperty("start_offset").GetInt32());
        Assert.True(json.RootElement.GetProperty("pattern_ok").GetBoolean());
    }

    [Fact]
    public async Task Chargen_Tcp_BrokenPattern_ExitCode5_NamesTheByte()
    {
        byte[] stream = new byte[10_000];
        ChargenPattern.Fill(stream);
        stream[5000] = (byte)'#';
        await using var peer = RawTcpPeer.SendAndClose(stream);

        var (code, _, error) = await Run("chargen", $"127.0.0.1:{peer.EndPoint.Port}");

        Assert.Equal(5, code);
        Assert.Contains("broke the RFC 864 pattern at byte 5,000", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chargen_AgainstInetkit_BytesLimit_AndUdp()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Chargen);
        int port = server.EndPoint(ServiceKind.Chargen, Transport.Tcp).Port;

        var (tcpCode, tcpOut, _) = await Run("chargen", $"127.0.0.1:{port}", "--bytes", "1000000");
        var (udpCode, udpOut, _) = await Run("chargen", $"[::1]:{port}", "--udp");

        Assert.Equal(0, tcpCode);
        Assert.StartsWith($"received 1,000,000 bytes from 127.0.0.1:{port}", tcpOut, StringComparison.Ordinal);
        Assert.EndsWith("the RFC 864 pattern intact (from line 0, column 0)\n", tcpOut, StringComparison.Ordinal);
        Assert.Equal(0, udpCode);
        Assert.EndsWith($"512 characters from [::1]:{port}, the RFC 864 pattern intact (from line 0, column 0)\n", udpOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discard_Tcp_SendsTheBytesAndSeesTheServerClose()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Discard);
        int port = server.EndPoint(ServiceKind.Discard, Transport.Tcp).Port;

        var (code, output, _) = await Run("discard", $"127.0.0.1:{port}", "--bytes", "5000000", "--json");

        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(5_000_000, json.RootElement.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Discard_ServerThatAnswers_ExitCode5()
    {
        await using var peer = RawTcpPeer.Start(async (s, ct) =>
        {
            await Net.ReadToEndAsync(s, ct);
            await Net.SendAllAsync(s, "I should not speak"u8.ToArray(), ct);
        });

        var (code, _, error) = await Run("discard", $"127.0.0.1:{peer.EndPoint.Port}", "--bytes", "1000");

        Assert.Equal(5, code);
        Assert.Contains("a discard server never answers", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discard_Udp_SendsCountDatagrams()
    {
        var trace = new TraceRecorder();
        await using InetServer server = await Servers.StartAsync(ServiceKind.Discard, trace);
        int port = server.EndPoint(ServiceKind.Discard, Transport.Udp).Port;
        using var timeout = TestTimeout.Create();

        var (code, output, _) = await Run("discard", $"127.0.0.1:{port}", "--udp", "--count", "3", "--size", "100");
        await trace.WaitForAsync(_ => trace.Lines.Count(x => x.Contains("recvfrom(65535) -> 100 bytes", StringComparison.Ordinal)) == 3, timeout.Token);

        Assert.Equal(0, code);
        Assert.StartsWith($"sent 3 datagrams (300 bytes) to 127.0.0.1:{port}", output, StringComparison.Ordinal);
    }
}
