using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Deploy;

/// <summary>deploy/systemd's units as shipped: systemd-analyze accepts them, and scores the service's exposure low.</summary>
public sealed partial class SystemdUnitTests : IDisposable
{
    private static readonly (string Name, int Port)[] Services = [("echo", 7), ("discard", 9), ("daytime", 13), ("qotd", 17), ("chargen", 19), ("time", 37)];

    private readonly DirectoryInfo _units = Directory.CreateTempSubdirectory("inetkit-units-");

    public SystemdUnitTests()
    {
        foreach (string file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "deploy", "systemd")))
        {
            // The tool is installed elsewhere here: verify checks that ExecStart's program exists, so point it at the one built.
            string text = File.ReadAllText(file).Replace("/usr/local/bin/inetkit", Path.Combine(AppContext.BaseDirectory, "inetkit"), StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(_units.FullName, Path.GetFileName(file)), text);
        }
    }

    public void Dispose() => _units.Delete(recursive: true);

    [Fact]
    public void EachServiceHasASocketUnit_OnItsWellKnownPort_TcpAndUdp_NamedForServe()
    {
        foreach ((string name, int port) in Services)
        {
            string[] lines = File.ReadAllLines(Path.Combine(_units.FullName, $"inetkit-{name}.socket"));
            Assert.Contains($"ListenStream={port}", lines);
            Assert.Contains($"ListenDatagram={port}", lines);
            Assert.Contains($"FileDescriptorName={name}", lines);
            Assert.Contains("Service=inetkit.service", lines);
        }
    }

    [Fact]
    public async Task SystemdAnalyzeVerify_AcceptsTheServiceAndItsSockets()
    {
        SkipWithoutSystemdAnalyze();
        (int code, string output) = await RunAsync(["verify", "inetkit.service", .. Services.Select(s => $"inetkit-{s.Name}.socket")]);

        Assert.Equal((0, ""), (code, output.Trim()));
    }

    [Fact]
    public async Task SystemdAnalyzeVerify_AcceptsTheProgramTemplate_WithItsListenDropIn()
    {
        SkipWithoutSystemdAnalyze();
        DirectoryInfo dropIn = _units.CreateSubdirectory("inetkit-program@qotd-python.socket.d");
        await File.WriteAllTextAsync(Path.Combine(dropIn.FullName, "listen.conf"), "[Socket]\nListenStream=12345\n", TestContext.Current.CancellationToken);

        (int code, string output) = await RunAsync(["verify", "inetkit-program@qotd-python.socket", "inetkit-program@qotd-python.service"]);

        Assert.Equal((0, ""), (code, output.Trim()));
    }

    [Theory]
    [InlineData("inetkit.service", 1.1)]
    [InlineData("inetkit-program@qotd-python.service", 1.7)]
    public async Task SystemdAnalyzeSecurity_ScoresTheExposureAsDocumented(string unit, double documented)
    {
        SkipWithoutSystemdAnalyze();
        (int code, string output) = await RunAsync(["security", "--offline=yes", unit]);

        Assert.Equal(0, code);
        Match score = Overall().Match(output);
        Assert.True(score.Success, output);
        // docs/operations.md states the score; a unit that loosens any setting raises it.
        Assert.InRange(double.Parse(score.Groups[1].Value, CultureInfo.InvariantCulture), 0, documented);
    }

    private static void SkipWithoutSystemdAnalyze() =>
        Assert.SkipUnless(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze (Debian's systemd) is not installed");

    private async Task<(int Code, string Output)> RunAsync(string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/systemd-analyze") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _units.FullName };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // The units are found here first, then where systemd keeps its own (the trailing colon).
        info.Environment["SYSTEMD_UNIT_PATH"] = _units.FullName + ":";
        info.Environment["SYSTEMD_COLORS"] = "0";
        using Process process = Process.Start(info)!;
        Task<string> error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, (output + await error).Trim());
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d+)")]
    private static partial Regex Overall();
}
