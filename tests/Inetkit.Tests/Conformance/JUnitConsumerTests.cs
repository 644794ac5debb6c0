using System.Diagnostics;
using System.Text.Json;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>
/// <c>check --format junit</c> read back by a real JUnit consumer: junitparser, from Debian's python3-junitparser
/// (.ci/run installs it), the library that CI tools and report mergers use to read JUnit XML.
/// </summary>
public sealed class JUnitConsumerTests
{
    private const string DebianPython = "/usr/bin/python3";

    // Prints, per testsuite, what junitparser understood: counts, and each testcase's result kinds and output.
    private const string Reader = """
        import json, sys
        from junitparser import JUnitXml
        suites = []
        for suite in JUnitXml.fromfile(sys.argv[1]):
            cases = []
            for case in suite:
                results = case.result if isinstance(case.result, list) else ([case.result] if case.result else [])
                cases.append({"name": case.name, "classname": case.classname, "kinds": [type(r).__name__ for r in results],
                              "message": results[0].message if results else None, "out": case.system_out})
            suites.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures, "skipped": suite.skipped,
                           "errors": suite.errors, "cases": cases})
        print(json.dumps(suites))
        """;

    [Fact]
    public async Task JunitParser_ReadsASuitePerTargetServiceAndTransport_FailuresSkipsAndWarnings()
    {
        Assert.SkipUnless(await HasJunitParserAsync(), "python3-junitparser is not installed (apt-get install python3-junitparser; .ci/run does)");
        await using var longQuote = new DefectServer(() => new byte[600], null);
        await using var neverCloses = DefectServer.Tcp(async (client, ct) =>
        {
            await client.SendAsync("A quote, and no close after it.\r\n"u8.ToArray(), System.Net.Sockets.SocketFlags.None, ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        using var cli = new ScanCli(command: "check");
        string file = Path.Combine(cli.Directory, "report.xml");

        var (code, _, _) = await cli.RunAsync(longQuote.EndPoint.ToString(), neverCloses.EndPoint.ToString(), "--service", "qotd", "--timeout", "300", "--format", "junit", "-o", file);
        Assert.Equal(1, code);
        (int exit, string json) = await RunAsync(DebianPython, "-c", Reader, file);

        Assert.True(exit == 0, json);
        using JsonDocument read = JsonDocument.Parse(json);
        JsonElement[] suites = [.. read.RootElement.EnumerateArray()];
        Assert.Equal([$"{longQuote.EndPoint} qotd/tcp", $"{longQuote.EndPoint} qotd/udp", $"{neverCloses.EndPoint} qotd/tcp", $"{neverCloses.EndPoint} qotd/udp"], suites.Select(s => s.GetProperty("name").GetString()));
        JsonElement tcp = suites[0];
        Assert.Equal((4, 0, 0, 0), (tcp.GetProperty("tests").GetInt32(), tcp.GetProperty("failures").GetInt32(), tcp.GetProperty("skipped").GetInt32(), tcp.GetProperty("errors").GetInt32()));
        JsonElement warned = tcp.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "qotd/tcp/under-512-characters");
        Assert.Empty(warned.GetProperty("kinds").EnumerateArray());
        Assert.StartsWith("WARNING (should): 600 bytes", warned.GetProperty("out").GetString(), StringComparison.Ordinal);
        JsonElement udp = suites[1];
        Assert.Equal(udp.GetProperty("tests").GetInt32(), udp.GetProperty("skipped").GetInt32());
        Assert.All(udp.GetProperty("cases").EnumerateArray(), c => Assert.Equal(["Skipped"], c.GetProperty("kinds").EnumerateArray().Select(k => k.GetString())));
        JsonElement failed = suites[2].GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "qotd/tcp/one-message-then-close");
        Assert.Equal(["Failure"], failed.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal("33 bytes, then nothing within 300 ms: the server did not close after its message", failed.GetProperty("message").GetString());
        Assert.Equal(2, suites[2].GetProperty("failures").GetInt32()); // input-ignored waits for the close too
    }

    private static async Task<bool> HasJunitParserAsync() =>
        File.Exists(DebianPython) && (await RunAsync(DebianPython, "-c", "import junitparser")).Exit == 0;

    private static async Task<(int Exit, string Output)> RunAsync(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(info)!;
        Task<string> error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, output + await error);
    }
}
