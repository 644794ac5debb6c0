using System.Net.Http;
using System.Text.Json;
using Inetkit.Demo;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Cli;

/// <summary><c>inetkit demo</c>: the list, the formats, bad input, and --server through the scanner's gate.</summary>
public sealed class DemoCommandTests
{
    private static ScanCli Demo() => new(new FakeTimeProvider(new DateTimeOffset(2026, 6, 15, 12, 0, 0, TimeSpan.Zero)), "demo");

    [Fact]
    public async Task WithoutAnExample_ListsThemAll_OneLineEach()
    {
        using ScanCli cli = Demo();

        var (code, output, _) = await cli.RunAsync();

        Assert.Equal(0, code);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(DemoCatalog.All.Select(e => e.Name), lines.Select(l => l.Split(' ')[0]));
        Assert.Contains(lines, l => l.StartsWith("udp-echo-once ", StringComparison.Ordinal) && l.Contains("Example #1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnknownExample_IsAUsageError_NamingTheList()
    {
        using ScanCli cli = Demo();

        var (code, _, error) = await cli.RunAsync("udp-echo-twice");

        Assert.Equal(2, code);
        Assert.StartsWith("inetkit: demo: demo udp-echo-twice: no such example; 'inetkit demo' lists them (udp-echo-once, ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_IsTheEventsThemselves_BothLanesInOrder()
    {
        using ScanCli cli = Demo();

        var (code, output, _) = await cli.RunAsync("udp-echo-once", "--format", "json");

        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal("udp-echo-once", json.RootElement.GetProperty("example").GetString());
        JsonElement[] events = [.. json.RootElement.GetProperty("events").EnumerateArray()];
        Assert.Equal(Enumerable.Range(0, events.Length), events.Select(e => e.GetProperty("seq").GetInt32()));
        JsonElement sent = events.First(e => e.GetProperty("lane").GetString() == "client" && e.TryGetProperty("call", out var c) && c.GetString() == "sendto");
        Assert.Equal(("Hello World", 11, true), (sent.GetProperty("data").GetString(), sent.GetProperty("bytes").GetInt32(), sent.GetProperty("sends").GetBoolean()));
        Assert.Contains(events, e => e.GetProperty("lane").GetString() == "server" && e.TryGetProperty("seed", out var s) && s.GetString() == "data, address = s.recvfrom(4096)");
    }

    [Fact]
    public async Task Text_IsADiagramWithBothLanes_AndNoColourInAPipe()
    {
        using ScanCli cli = Demo();

        var (code, output, _) = await cli.RunAsync("tcp-qotd");

        Assert.Equal(0, code);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
        Assert.Contains("│ listen()", output, StringComparison.Ordinal);
        Assert.Contains("'Object oriented programs are offered", output, StringComparison.Ordinal);
        Assert.Contains("recv(4) -> 0 bytes (the server closed)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.1:7")]
    [InlineData("outside.example:7")]
    public async Task AServerBeyondLoopback_WithoutAScope_IsRefused_BeforeAnyLookupOrSocket(string server)
    {
        using ScanCli cli = Demo();

        var (code, _, error) = await cli.RunAsync("udp-echo", "--server", server);

        Assert.Equal(5, code);
        Assert.StartsWith("inetkit: demo refused: ", error, StringComparison.Ordinal);
        Assert.False(cli.Started);
        Assert.Empty(cli.Lookups);
    }

    [Fact]
    public async Task AServerOfTheUsersOwn_RunsOnlyTheClientSide()
    {
        await using var server = await Servers.StartAsync(Inetkit.Protocol.ServiceKind.Echo);
        using ScanCli cli = Demo();

        var (code, output, _) = await cli.RunAsync("udp-echo", "--server", server.GetEndPoint(Inetkit.Protocol.ServiceKind.Echo, Inetkit.Protocol.Transport.Udp).ToString(), "--format", "json");

        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement[] events = [.. json.RootElement.GetProperty("events").EnumerateArray()];
        Assert.All(events, e => Assert.Equal("client", e.GetProperty("lane").GetString()));
        Assert.Equal(3, events.Count(e => e.TryGetProperty("call", out var c) && c.GetString() == "recvfrom" && e.GetProperty("kind").GetString() == "call"));
    }

    [Fact]
    public async Task Web_PrintsItsUrl_ServesThePage_AndStopsOnTheStopToken()
    {
        var cli = new CliRunner();
        using var timeout = TestTimeout.Create();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        Task<int> running = cli.RunAsync(stop.Token, "demo", "tcp-qotd", "--web");

        string line = await cli.Out.WaitForLineAsync(l => l.StartsWith("demo ", StringComparison.Ordinal), timeout.Token);
        var url = new Uri(line["demo ".Length..]);
        using HttpClient client = ServerSentEvents.Client();
        string page = await client.GetStringAsync(url, timeout.Token);
        await stop.CancelAsync();
        int code = await running.WaitAsync(timeout.Token);

        Assert.Matches(@"^demo http://127\.0\.0\.1:\d+/\?example=tcp-qotd$", line);
        Assert.NotEqual(0, url.Port);
        Assert.Contains("<title>inetkit demo</title>", page, StringComparison.Ordinal);
        Assert.Equal(0, code);
        Assert.Equal("", cli.Err.ToString());
    }

    [Theory]
    [InlineData("0.0.0.0:0", "inetkit: demo: --listen 0.0.0.0:0: the page is served on loopback only (127.0.0.1 or [::1])")]
    [InlineData("[::]:8080", "inetkit: demo: --listen [::]:8080: the page is served on loopback only (127.0.0.1 or [::1])")]
    [InlineData("192.0.2.1:80", "inetkit: demo: --listen 192.0.2.1:80: the page is served on loopback only (127.0.0.1 or [::1])")]
    [InlineData("8080", "inetkit: demo: --listen 8080: give ADDR:PORT, such as 127.0.0.1:8080 (port 0: a free one)")]
    public async Task Web_ListeningBeyondLoopback_IsAUsageError_InOneLine(string listen, string line)
    {
        using ScanCli cli = Demo();

        var (code, output, error) = await cli.RunAsync("--web", "--listen", listen);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal(line + "\n", error.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("--server", "127.0.0.1:7")]
    [InlineData("--format", "json")]
    [InlineData("--step")]
    public async Task Web_WithTheTerminalsOptions_IsAUsageError(params string[] option)
    {
        using ScanCli cli = Demo();

        var (code, _, error) = await cli.RunAsync(["udp-echo", "--web", .. option]);

        Assert.Equal(2, code);
        Assert.StartsWith("inetkit: demo: ", error, StringComparison.Ordinal);
        Assert.False(cli.Started);
    }

    [Fact]
    public async Task Listen_WithoutWeb_IsAUsageError()
    {
        using ScanCli cli = Demo();

        var (code, _, error) = await cli.RunAsync("udp-echo", "--listen", "127.0.0.1:0");

        Assert.Equal(2, code);
        Assert.Equal("inetkit: demo: --listen 127.0.0.1:0 is where --web serves its page; add --web\n", error.ReplaceLineEndings("\n"));
    }
}
