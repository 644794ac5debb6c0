using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Cli;

/// <summary>
/// A real scan beyond loopback, as a child process inside an empty network namespace (<c>unshare -n</c>): there only
/// <c>lo</c> exists, and it is down, so a probe to 192.0.2.1 (TEST-NET-1) fails at once with "network unreachable"
/// and nothing can leave the machine. Needs root and unshare; skipped otherwise.
/// </summary>
public sealed class ScanProcessTests
{
    [Fact]
    public async Task Tcp_BeyondLoopback_InsideTheScope_PortsFilteredNetUnreach_Audited()
    {
        using var timeout = TestTimeout.Create();
        await RequireUnshareAsync(timeout.Token);
        using var files = new ScopeFiles();

        await using var inetkit = ChildProcess.StartWrapped(["unshare", "-n"], "scan", "192.0.2.1", "-p", "80,443", "--scope", files.Scope, "--audit-log", files.AuditLog, "--format", "json", "--show-closed");

        Assert.Equal(0, await inetkit.WaitForExitAsync(timeout.Token));
        using JsonDocument report = JsonDocument.Parse(string.Concat(inetkit.Out.Lines));
        JsonElement host = Assert.Single(report.RootElement.GetProperty("hosts").EnumerateArray());
        Assert.Equal("192.0.2.1", host.GetProperty("address").GetString());
        // Our own kernel's "no route" proves nothing about the host: it did not answer, so it is not up.
        Assert.Equal("down", host.GetProperty("status").GetString());
        Assert.Equal(
            [(80, "tcp", "filtered", "net-unreach"), (443, "tcp", "filtered", "net-unreach")],
            host.GetProperty("ports").EnumerateArray().Select(p => (p.GetProperty("port").GetInt32(), p.GetProperty("protocol").GetString(), p.GetProperty("state").GetString(), p.GetProperty("reason").GetString())));
        Assert.Equal(0, report.RootElement.GetProperty("summary").GetProperty("open").GetInt32());
        using JsonDocument audit = JsonDocument.Parse(Assert.Single(File.ReadAllLines(files.AuditLog)));
        Assert.Equal(["192.0.2.1"], audit.RootElement.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("T:80,443", audit.RootElement.GetProperty("ports").GetString());
        Assert.Equal("TEST-NET-1", audit.RootElement.GetProperty("reference").GetString());
    }

    [Theory]
    [InlineData(null, "UDP beyond loopback was paced to 6 probes, then 1 a second, per host: the rate at which a Linux host answers closed ports (its ICMP limit). Faster, closed ports would go silent and look open|filtered.")]
    [InlineData("1000", "UDP beyond loopback was sent faster than a Linux host answers closed ports (about 1 a second after a burst of 6): some closed ports may be shown open|filtered.")]
    public async Task Udp_BeyondLoopback_IsPacedToTheIcmpLimitUnlessARateIsGiven_AndSaysWhich(string? rate, string notice)
    {
        using var timeout = TestTimeout.Create();
        await RequireUnshareAsync(timeout.Token);
        using var files = new ScopeFiles();
        string[] rateOption = rate is null ? [] : ["--rate", rate];

        await using var inetkit = ChildProcess.StartWrapped(["unshare", "-n"], ["scan", "192.0.2.1", "-sU", "-p", "53", "--scope", files.Scope, "--audit-log", files.AuditLog, .. rateOption]);

        Assert.Equal(0, await inetkit.WaitForExitAsync(timeout.Token));
        string[] lines = [.. inetkit.Out.Lines];
        Assert.Equal("Inetkit scan report for 192.0.2.1", lines[0]);
        Assert.Contains("53/udp filtered domain", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("53/udp open", StringComparison.Ordinal));
        Assert.Equal($"Note: {notice}", Assert.Single(lines, l => l.StartsWith("Note: ", StringComparison.Ordinal)));
        Assert.Matches(@"^Inetkit done: 1 host \(0 up\), 1 port scanned in .*; 0 open$", lines[^1]);
        using JsonDocument audit = JsonDocument.Parse(Assert.Single(File.ReadAllLines(files.AuditLog)));
        Assert.Equal("U:53", audit.RootElement.GetProperty("ports").GetString());
    }

    private static async Task RequireUnshareAsync(CancellationToken cancellationToken)
    {
        Assert.SkipUnless(Environment.UserName == "root", "unshare -n needs root");
        Assert.SkipUnless(File.Exists("/usr/bin/unshare") || File.Exists("/bin/unshare"), "unshare (util-linux) is not installed");
        using var probe = Process.Start(new ProcessStartInfo("unshare", ["-n", "true"]) { UseShellExecute = false, RedirectStandardError = true })!;
        await probe.WaitForExitAsync(cancellationToken);
        Assert.SkipUnless(probe.ExitCode == 0, $"unshare -n does not work here: {await probe.StandardError.ReadToEndAsync(cancellationToken)}");
    }

    /// <summary>A scope covering TEST-NET-1 until tomorrow, and where the audit log goes.</summary>
    private sealed class ScopeFiles : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("inetkit-scope-").FullName;

        public ScopeFiles()
        {
            string expires = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            File.WriteAllText(Scope, $"authorized-by: the tests, on their own empty network\nreference: TEST-NET-1\nexpires: {expires}\n192.0.2.0/24\n");
        }

        public string Scope => Path.Combine(_directory, "scope.txt");

        public string AuditLog => Path.Combine(_directory, "audit.log");

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }
}
