using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>serve exec on the command line, and the connection log in both formats.</summary>
public sealed class ServeExecCommandTests
{
    [Theory]
    [InlineData("serve exec needs a program", "serve", "exec", "--port", "0")]
    [InlineData("serve exec needs --port N", "serve", "exec", "--", "/bin/cat")]
    [InlineData("--instances applies to program services", "serve", "echo", "--instances", "3")]
    [InlineData("--user applies to program services", "serve", "--user", "nobody")]
    [InlineData("--check needs --config FILE", "serve", "--check")]
    [InlineData("--log-format 'xml' is not one of text, json", "serve", "--log-format", "xml")]
    [InlineData("--pass-env 1X: not an environment variable name", "serve", "exec", "--port", "0", "--pass-env", "1X", "--", "/bin/cat")]
    [InlineData("--deny: '10.0.0.0': ", "serve", "--deny", "10.0.0.0")]
    public async Task UsageErrors_OneLine_ExitTwo(string expected, params string[] args)
    {
        (int code, _, string error) = await CliRunner.RunToEndAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProgramNotFound_OneLine_NothingBound()
    {
        (int code, string output, string error) = await CliRunner.RunToEndAsync("serve", "exec", "--port", "0", "--", "no-such-program-anywhere");

        Assert.Equal((2, ""), (code, output));
        Assert.Equal("inetkit: program 'no-such-program-anywhere' not found on PATH (/usr/local/bin:/usr/bin:/bin)\n", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Exec_ServesTheProgram_AndLogsEachConnectionAsText()
    {
        using var timeout = TestTimeout.Create();
        var cli = new CliRunner();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        Task<int> serving = cli.RunAsync(stop.Token, "serve", "exec", "--port", "0", "--tcp", "--bind", "127.0.0.1", "--name", "cat", "--log-connections", "--", "/bin/cat");
        string first = await cli.Out.WaitForLineAsync(_ => true, timeout.Token);
        Assert.StartsWith("cat      tcp  127.0.0.1:", first, StringComparison.Ordinal);
        IPEndPoint endPoint = IPEndPoint.Parse(first.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);

        Assert.Equal("meow", Encoding.ASCII.GetString(await Net.ExchangeAsync(endPoint, Inetkit.Protocol.Transport.Tcp, "meow"u8.ToArray(), timeout.Token)));
        string line = await cli.Err.WaitForLineAsync(l => l.Contains("cat/tcp 127.0.0.1:", StringComparison.Ordinal), timeout.Token);
        Assert.Matches(@"^inetkit: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z cat/tcp 127\.0\.0\.1:\d+ served duration=[\d.]+ms in=4 out=4 pid=\d+ exit=0$", line);
        stop.Cancel();
        Assert.Equal(0, await serving);
    }

    [Fact]
    public async Task LogFormatJson_EveryLineIsAnObject_WithStableKeys()
    {
        using var timeout = TestTimeout.Create();
        var cli = new CliRunner();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        Task<int> serving = cli.RunAsync(stop.Token, "serve", "echo", "--port", "0", "--tcp", "--bind", "127.0.0.1", "--deny", "127.0.0.3", "--log-connections", "--log-format", "json");
        IPEndPoint endPoint = IPEndPoint.Parse((await cli.Out.WaitForLineAsync(_ => true, timeout.Token)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
        await Net.ExchangeAsync(endPoint, Inetkit.Protocol.Transport.Tcp, "12345"u8.ToArray(), timeout.Token);
        await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token, IPAddress.Parse("127.0.0.3"));
        await cli.Err.WaitForLineAsync(l => l.Contains("refused: acl", StringComparison.Ordinal), timeout.Token);
        await cli.Err.WaitForLineAsync(l => l.Contains("\"served\"", StringComparison.Ordinal), timeout.Token);
        stop.Cancel();
        Assert.Equal(0, await serving);

        List<JsonElement> lines = [.. cli.Err.Lines.Select(l => JsonDocument.Parse(l).RootElement)];
        Assert.All(lines, l => Assert.True(l.TryGetProperty("time", out _) && l.TryGetProperty("level", out _)));
        JsonElement served = lines.Single(l => l.TryGetProperty("outcome", out JsonElement o) && o.GetString() == "served");
        Assert.Equal(("connection", "echo", "tcp", "127.0.0.1", 5, 5), (served.GetProperty("event").GetString(), served.GetProperty("service").GetString(), served.GetProperty("transport").GetString(),
            served.GetProperty("client").GetString(), served.GetProperty("bytes_in").GetInt32(), served.GetProperty("bytes_out").GetInt32()));
        JsonElement refused = lines.Single(l => l.TryGetProperty("outcome", out JsonElement o) && o.GetString() == "refused: acl");
        Assert.Equal("127.0.0.3", refused.GetProperty("client").GetString());
        Assert.Contains(lines, l => l.TryGetProperty("message", out JsonElement m) && m.GetString()!.StartsWith("serving 1 socket;", StringComparison.Ordinal));
    }
}
