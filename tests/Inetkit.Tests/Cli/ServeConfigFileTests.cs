using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>serve --config: a TOML file read by serve's own options; every error names the file, line and column, exit 1.</summary>
public sealed class ServeConfigFileTests : IDisposable
{
    private readonly Programs _programs = new();

    public void Dispose() => _programs.Dispose();

    [Theory]
    [InlineData("[service.echo]\nmax-conections = 3\n", "2:1: unknown key 'max-conections'")]
    [InlineData("[service.echo]\nport = \"x\"\n", "2:8: port must be a whole number")]
    [InlineData("[service.echo]\nport = 70000\n", "2:8: --port 70000 is out of range (0-65535)")]
    [InlineData("[defaults]\nmax-connections = 0\n[service.echo]\n", "2:19: --max-connections 0 is out of range (1-1000000)")]
    [InlineData("[service.echo]\nbind = \"127.0.0.1x\"\n", "2:8: --bind 127.0.0.1x: not an IP address")]
    [InlineData("[service.echo]\nallow = [\"10.0.0.300\"]\n", "2:9: --allow: '10.0.0.300': not an IP address or CIDR block")]
    [InlineData("[service.echo]\ntcp = \"yes\"\n", "2:7: tcp must be true or false")]
    [InlineData("[service.echo]\nport = [1, 2]\n", "2:8: port takes one value, not a list")]
    [InlineData("[service.echo]\ngrace = 3\n", "2:1: 'grace' is about the whole server: put it in [defaults]")]
    [InlineData("[service.echo]\nmetrics = \"127.0.0.1:0\"\n", "2:1: 'metrics' is about the whole server: put it in [defaults]")]
    [InlineData("[defaults]\nmetrics = \"nowhere\"\n[service.echo]\n", "2:11: --metrics nowhere: give ADDR:PORT, such as 127.0.0.1:9464 (or a PORT alone, on loopback)")]
    [InlineData("[defaults]\nport = 7\n[service.echo]\n", "2:1: 'port' belongs in a service's table")]
    [InlineData("[service.echoes]\nport = 1\n", "1:1: [service.echoes]: 'echoes' is not a built-in")]
    [InlineData("[services.echo]\n", "1:1: unknown table [services.echo]")]
    [InlineData("port = 7\n[service.echo]\n", "1:1: 'port' is outside any table")]
    [InlineData("[service.echo\n", "1:14: ")]
    [InlineData("[defaults]\n", "1:1: no services")]
    [InlineData("[service.a]\nbuiltin = \"echo\"\nport = 12001\n[service.b]\nbuiltin = \"discard\"\nport = 12001\n", "6:1: [service.b]: port 12001/tcp on 127.0.0.1 is [service.a]'s too")]
    [InlineData("[service.p]\nexec = [\"/nonexistent/prog\"]\nport = 0\n", "2:1: [service.p]: program '/nonexistent/prog' does not exist")]
    [InlineData("[service.p]\nexec = [\"cat\"]\n", "1:1: [service.p]: a program needs a port")]
    [InlineData("[service.p]\nexec = [\"/bin/cat\"]\nport = 0\nuser = \"no-such-user-here\"\n", "4:1: [service.p]: user 'no-such-user-here' does not exist")]
    [InlineData("[service.p]\nexec = []\nport = 0\n", "2:8: exec = [...] needs the program")]
    [InlineData("[service.echo]\nexec = [\"/bin/cat\"]\nport = 0\n", "1:1: [service.echo] is the built-in echo's name")]
    [InlineData("[service.p]\nexec = [\"/bin/cat\"]\nport = 0\nimpair = \"loss=5%\"\n", "4:1: [service.p]: a program's traffic cannot be impaired")]
    [InlineData("[service.echo]\nallow = []\n", "2:9: allow = []: an empty list says nothing; leave the key out for its default, or deny")]
    [InlineData("[service.echo]\nname = \"other\"\n", "2:1: [service.echo]: a service's name is its table's")]
    public async Task AFileServeCannotServe_OneLineWithFileLineAndColumn_ExitOne(string toml, string expected)
    {
        string path = Path.Combine(_programs.Directory, "serve.toml");
        await File.WriteAllTextAsync(path, toml, TestContext.Current.CancellationToken);

        (int code, string output, string error) = await CliRunner.RunToEndAsync("serve", "--config", path, "--check");

        Assert.Equal(1, code);
        Assert.Empty(output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"inetkit: error: {path}:{expected}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProgramThatIsNotExecutable_IsRefusedAtItsExecKey()
    {
        string program = _programs.Write("not-executable.py", "#!/usr/bin/env python3\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string path = Path.Combine(_programs.Directory, "serve.toml");
        await File.WriteAllTextAsync(path, $"[service.p]\nport = 0\nexec = [\"{program}\"]\n", TestContext.Current.CancellationToken);

        (int code, _, string error) = await CliRunner.RunToEndAsync("serve", "--config", path);

        Assert.Equal(1, code);
        Assert.StartsWith($"inetkit: error: {path}:3:1: [service.p]: program '{program}' is not executable", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_PrintsEveryValueAndWhereItCameFrom_TheCommandLineOverTheFile()
    {
        string path = Path.Combine(_programs.Directory, "serve.toml");
        await File.WriteAllTextAsync(path, """
            [defaults]
            max-connections = 100
            idle-timeout = 60

            [service.echo]
            bind = ["127.0.0.1"]
            allow = ["127.0.0.0/8"]

            [service.qotd-python]
            exec = ["python3", "/srv/qotd.py"]
            port = 12345
            tcp = true
            instances = 10
            """, TestContext.Current.CancellationToken);

        (int code, string output, string error) = await CliRunner.RunToEndAsync("serve", "--config", path, "--check", "--idle-timeout", "5");

        Assert.Equal((0, ""), (code, error));
        string[] lines = output.Split('\n');
        Assert.Contains($"max-connections = 100  # [defaults] at {path}:2:1", lines);
        Assert.Contains("idle-timeout = 5  # command line", lines);
        Assert.Contains("grace = 3  # default", lines);
        Assert.Contains("port = 10007  # default: 7 + port-offset 10000", lines);
        Assert.Contains($"allow = [\"127.0.0.0/8\"]  # [service.echo] at {path}:7:1", lines);
        Assert.Contains("exec = [\"python3\", \"/srv/qotd.py\"]  # [service.qotd-python]", lines);
        Assert.Contains("# program found: /usr/bin/python3", lines);
        Assert.Contains($"instances = 10  # [service.qotd-python] at {path}:13:1", lines);
        Assert.Contains($"udp = false  # [service.qotd-python] at {path}:12:1", lines);
    }

    [Fact]
    public async Task Check_ItsOutputIsAConfigFileThatMeansTheSame()
    {
        string path = Path.Combine(_programs.Directory, "serve.toml");
        await File.WriteAllTextAsync(path, """
            [defaults]
            max-connections = 50
            deny = ["127.0.0.3"]
            [service.echo]
            port = 0
            max-connections = 4
            [service.two]
            builtin = "daytime"
            port = 0
            udp = true
            [service.cat]
            exec = ["/bin/cat"]
            port = 0
            exec-timeout = 2.5
            pass-env = ["HOME"]
            """, TestContext.Current.CancellationToken);
        (int code, string first, _) = await CliRunner.RunToEndAsync("serve", "--config", path, "--check");
        Assert.Equal(0, code);
        string again = Path.Combine(_programs.Directory, "again.toml");
        await File.WriteAllTextAsync(again, first, TestContext.Current.CancellationToken);

        (int code2, string second, string error) = await CliRunner.RunToEndAsync("serve", "--config", again, "--check");

        Assert.Equal((0, ""), (code2, error));
        Assert.Equal(Values(first), Values(second));
    }

    [Fact]
    public async Task CommandLineAllow_ReplacesTheAllowLists_AndLeavesEachTablesDenyStanding()
    {
        using var timeout = TestTimeout.Create();
        string path = Path.Combine(_programs.Directory, "serve.toml");
        await File.WriteAllTextAsync(path, "[service.echo]\nport = 0\nbind = [\"127.0.0.1\"]\ntcp = true\nallow = [\"127.0.0.2\"]\ndeny = [\"127.0.0.3\"]\n", timeout.Token);
        var cli = new CliRunner();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        Task<int> serving = cli.RunAsync(stop.Token, "serve", "--config", path, "--allow", "127.0.0.0/8");
        var endPoint = System.Net.IPEndPoint.Parse((await cli.Out.WaitForLineAsync(_ => true, timeout.Token)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);

        await Net.AssertClosedAtOnceAsync(endPoint, timeout.Token, System.Net.IPAddress.Parse("127.0.0.3"));
        byte[] echoed = await Net.ExchangeAsync(endPoint, Inetkit.Protocol.Transport.Tcp, "x"u8.ToArray(), timeout.Token);
        Assert.Equal("x"u8.ToArray(), echoed);
        stop.Cancel();
        Assert.Equal(0, await serving);
    }

    [Fact]
    public async Task LogFormatInTheFile_AppliesToTheLog()
    {
        using var timeout = TestTimeout.Create();
        string path = Path.Combine(_programs.Directory, "serve.toml");
        await File.WriteAllTextAsync(path, "[defaults]\nlog-format = \"json\"\n[service.echo]\nport = 0\nbind = [\"127.0.0.1\"]\n", timeout.Token);
        var cli = new CliRunner();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        Task<int> serving = cli.RunAsync(stop.Token, "serve", "--config", path);
        string line = await cli.Err.WaitForLineAsync(l => l.Contains("serving", StringComparison.Ordinal), timeout.Token);
        stop.Cancel();
        Assert.Equal(0, await serving);
        Assert.Equal("info", System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("level").GetString());
    }

    /// <summary>The settings without where they came from.</summary>
    private static string[] Values(string check) =>
        [.. check.Split('\n').Where(l => !l.StartsWith('#')).Select(l => l.Split("  #")[0].Trim()).Where(l => l.Length > 0)];
}
