using Inetkit.Cli;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>
/// The command line under abuse. Every numeric option of every command, given values no one should pass, is refused
/// with exit 2, one line, nothing on stdout and never a stack trace (were a value wrongly accepted, the command would
/// run against a closed loopback port or stop at once, so nothing leaves the machine). A client stopped mid-exchange
/// says so in one line.
/// </summary>
public sealed class CliRobustnessTests
{
    private static readonly string[] AbsurdNumbers = ["", "-1", "abc", "1e400", "NaN", "Infinity", "-Infinity", "99999999999999999999", "0x10", "1,5"];

    private static readonly (string Command, string Option)[] NumericOptions =
    [
        ("serve", "--port"), ("serve", "--port-offset"), ("serve", "--max-connections"), ("serve", "--max-connections-per-source"),
        ("serve", "--idle-timeout"), ("serve", "--udp-rate"), ("serve", "--udp-global-rate"), ("serve", "--grace"), ("serve", "--udp-receive-loops"),
        ("echo", "--port"), ("echo", "--port-offset"), ("echo", "--timeout"), ("echo", "--count"), ("echo", "--interval"), ("echo", "--size"),
        ("qotd", "--timeout"), ("qotd", "--chunk-size"), ("daytime", "--timeout"), ("time", "--timeout"),
        ("chargen", "--bytes"), ("chargen", "--duration"), ("discard", "--bytes"), ("discard", "--duration"), ("discard", "--count"), ("discard", "--size"),
        ("scan", "--timeout"), ("scan", "--retries"), ("scan", "--concurrency"), ("scan", "--rate"), ("scan", "--banner-wait"),
    ];

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach ((string command, string option) in NumericOptions)
        {
            foreach (string value in AbsurdNumbers)
            {
                data.Add(command, option, value);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AbsurdNumber_IsRefusedInOneLine_Exit2(string command, string option, string value)
    {
        int closed = ClosedPort.Tcp();
        string[] args = command switch
        {
            "serve" => ["serve", "echo", "--bind", "127.0.0.1", .. option == "--port" ? Array.Empty<string>() : ["--port", "0"], option, value],
            "scan" => ["scan", "127.0.0.1", "-p", $"{closed}", option, value],
            _ => [command, "127.0.0.1", .. option == "--port" ? Array.Empty<string>() : ["--port", $"{closed}"], option, value],
        };
        var output = new LineWriter();
        var error = new LineWriter();
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync(); // a server that wrongly starts stops at once

        int code = await InetkitCli.RunAsync(args, output, error, stopped.Token).WaitAsync(TestTimeout.Create().Token);

        string[] lines = [.. error.Lines];
        Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}, stderr: {string.Join(" | ", lines)}");
        Assert.Empty(output.Lines);
        Assert.StartsWith("inetkit: ", lines[0], StringComparison.Ordinal);
        Assert.InRange(lines.Length, 1, 2);
        Assert.DoesNotContain(lines, l => l.Contains("   at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Client_StoppedBeforeTheServerSpeaks_ExitsInterrupted_InOneLine()
    {
        using var timeout = TestTimeout.Create();
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = RawTcpPeer.Start(async (socket, ct) =>
        {
            accepted.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        var output = new LineWriter();
        var error = new LineWriter();
        using var stop = new CancellationTokenSource();

        Task<int> run = InetkitCli.RunAsync(["qotd", "127.0.0.1", "--port", $"{peer.EndPoint.Port}", "--timeout", "60"], output, error, stop.Token);
        await accepted.Task.WaitAsync(timeout.Token);
        await stop.CancelAsync();

        Assert.Equal(130, await run.WaitAsync(timeout.Token));
        Assert.Equal(["inetkit: interrupted (SIGINT or SIGTERM) before the exchange was done"], error.Lines);
    }
}
