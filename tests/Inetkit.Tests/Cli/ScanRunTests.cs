using System.Net;
using System.Text.Json;
using Inetkit.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Cli;

/// <summary>
/// The scan's safe order, end to end through the command: scope, names, resolution, audit, and only then the first
/// probe. Nothing here sends a packet beyond loopback: the resolver is the test's own, and a target the scope allows
/// is stopped at the hook that runs just before the first probe (<see cref="ScanCli.BlockScan"/>).
/// </summary>
public sealed class ScanRunTests
{
    private const string Warning = "Never perform a port scan unless you have written explicit instruction from the network owners to do so (--scope FILE)";

    private const string Scope = """
        # signed off for the test
        authorized-by: Jane Doe, network owner
        reference: TICKET-4242
        expires: 2026-12-31
        192.0.2.0/25
        inside.example
        """;

    private static readonly DateTimeOffset InTime = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("192.0.2.0/30", "192.0.2.0-192.0.2.3")]
    [InlineData("inside.example", "inside.example")]
    public async Task BeyondLoopback_WithoutScope_Exit5_EchoesTheSeedsWarning_NothingSent(string target, string named)
    {
        using var cli = Blocked();

        var (code, output, error) = await cli.RunAsync("127.0.0.1", target, "-p", "80");

        Assert.Equal((5, ""), (code, output));
        Assert.Equal($"inetkit: scan refused: {named} is not loopback, and no --scope file authorizes scanning it. {Warning}\n", error);
        AssertNothingHappened(cli);
    }

    [Theory]
    [InlineData("2027-01-01T00:00:00Z", true)]
    [InlineData("2026-12-31T23:59:59Z", false)] // the last day is inclusive
    public async Task ExpiredScope_Exit5(string now, bool refused)
    {
        using var cli = Blocked(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));
        string scope = cli.File("scope.txt", Scope);

        var (code, _, error) = await cli.RunAsync("192.0.2.1", "-p", "80", "--scope", scope);

        if (refused)
        {
            Assert.Equal(5, code);
            Assert.Equal($"inetkit: scan refused: the scope TICKET-4242 expired on 2026-12-31. {Warning}\n", error);
            AssertNothingHappened(cli);
        }
        else
        {
            AssertAllowedButBlocked(cli, code);
        }
    }

    [Theory]
    [InlineData("reference: TICKET-4242\nexpires: 2026-12-31\n192.0.2.0/25\n", "'authorized-by:' is missing; a scope names who authorized the scan, the reference of that authorization, and when it expires")]
    [InlineData("authorized-by: Jane Doe\nreference: TICKET-4242\nexpires: 31/12/2026\n192.0.2.0/25\n", "'expires: 31/12/2026' is not a date like 2026-12-31")]
    [InlineData("authorized-by: Jane Doe\nreference: TICKET-4242\nexpires: 2026-12-31\n192.0.2.0/25\n192.0.2.128/33\n", "line 5: '192.0.2.128/33' is not a CIDR block (ADDRESS/PREFIX, prefix 0-32 for IPv4, 0-128 for IPv6)")]
    public async Task MalformedScope_Exit5_SaysWhatIsWrong(string scopeText, string problem)
    {
        using var cli = Blocked();
        string scope = cli.File("scope.txt", scopeText);

        var (code, output, error) = await cli.RunAsync("192.0.2.1", "-p", "80", "--scope", scope);

        Assert.Equal((5, ""), (code, output));
        Assert.Equal($"inetkit: scan refused: scope file {scope}: {problem}. {Warning}\n", error);
        AssertNothingHappened(cli);
    }

    [Fact]
    public async Task MissingScopeFile_Exit5()
    {
        using var cli = Blocked();
        string scope = Path.Combine(cli.Directory, "no-such-scope.txt");

        var (code, _, error) = await cli.RunAsync("192.0.2.1", "-p", "80", "--scope", scope);

        Assert.Equal(5, code);
        Assert.Equal($"inetkit: scan refused: scope file {scope}: does not exist. {Warning}\n", error);
        AssertNothingHappened(cli);
    }

    [Theory]
    [InlineData("192.0.2.127", null)]
    [InlineData("192.0.2.0", null)]
    [InlineData("192.0.2.0/25", null)]
    [InlineData("192.0.2.100-127", null)]
    [InlineData("192.0.2.128", "192.0.2.128")]
    [InlineData("192.0.2.120-130", "192.0.2.120-192.0.2.130")]
    [InlineData("192.0.2.0/24", "192.0.2.0-192.0.2.255")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    public async Task CidrEdges_OfTheScope(string target, string? refusedAs)
    {
        using var cli = Blocked();
        string scope = cli.File("scope.txt", Scope);

        var (code, _, error) = await cli.RunAsync(target, "-p", "80", "--scope", scope);

        if (refusedAs is not null)
        {
            Assert.Equal(5, code);
            Assert.Equal($"inetkit: scan refused: {refusedAs} is outside the scope of TICKET-4242 (authorized by Jane Doe, network owner). {Warning}\n", error);
            AssertNothingHappened(cli);
        }
        else
        {
            AssertAllowedButBlocked(cli, code);
        }
    }

    [Fact]
    public async Task NameNotInTheScope_Exit5_NeverResolved()
    {
        using var cli = Blocked();
        string scope = cli.File("scope.txt", Scope);

        var (code, _, error) = await cli.RunAsync("192.0.2.1", "outside.example", "-p", "80", "--scope", scope);

        Assert.Equal(5, code);
        Assert.Equal($"inetkit: scan refused: outside.example is not named in the scope of TICKET-4242; list it there by name. {Warning}\n", error);
        AssertNothingHappened(cli);
    }

    [Theory]
    [InlineData("192.0.2.200")]
    [InlineData("192.0.2.10", "2001:db8::5")] // every address is checked, not only the one that would be scanned
    public async Task NameInTheScope_ResolvingOutsideIt_Exit5(params string[] addresses)
    {
        using var cli = Blocked();
        cli.Names["inside.example"] = [.. addresses.Select(IPAddress.Parse)];
        string scope = cli.File("scope.txt", Scope);

        var (code, _, error) = await cli.RunAsync("inside.example", "-p", "80", "--scope", scope);

        Assert.Equal(5, code);
        Assert.Equal($"inetkit: scan refused: inside.example resolves to {addresses[^1]}, which is outside the scope of TICKET-4242. {Warning}\n", error);
        Assert.Equal(["inside.example"], cli.Lookups);
        Assert.False(cli.Started);
        Assert.False(File.Exists(cli.AuditLog));
    }

    [Fact]
    public async Task NameInTheScope_ResolvingInsideIt_IsAllowed()
    {
        using var cli = Blocked();
        cli.Names["inside.example"] = [IPAddress.Parse("192.0.2.10")];
        string scope = cli.File("scope.txt", Scope);

        var (code, _, _) = await cli.RunAsync("inside.example", "-p", "80", "--scope", scope);

        AssertAllowedButBlocked(cli, code);
        Assert.Equal(["inside.example"], cli.Lookups);
    }

    [Fact]
    public async Task Localhost_NeedsNoScope_AndALoopbackScanWritesNoAuditLine()
    {
        using var listeners = LoopbackListeners.Start(1);
        using var cli = new ScanCli();
        cli.Names["localhost"] = [IPAddress.Loopback];
        string scope = cli.File("scope.txt", Scope);

        var (code, output, error) = await cli.RunAsync("localhost", "-p", listeners.Ports[0].ToString());
        var (scopedCode, _, _) = await cli.RunAsync("127.0.0.1", "::1", "-p", listeners.Ports[0].ToString(), "--scope", scope);

        Assert.Equal((0, ""), (code, error));
        Assert.StartsWith("Inetkit scan report for localhost (127.0.0.1)\n", output, StringComparison.Ordinal);
        Assert.Equal(0, scopedCode);
        Assert.True(cli.Started);
        Assert.False(File.Exists(cli.AuditLog));
    }

    [Fact]
    public async Task BeyondLoopback_InsideTheScope_OneAuditLineIsWrittenBeforeTheFirstProbe()
    {
        using var cli = Blocked();
        string scope = cli.File("scope.txt", Scope);
        string targets = cli.File("targets.txt", "192.0.2.100\n");

        var (code, _, _) = await cli.RunAsync("192.0.2.127", "127.0.0.1", "-iL", targets, "-p", "22,80-82,U:53", "--scope", scope);

        AssertAllowedButBlocked(cli, code);
        string line = Assert.Single(cli.AuditAtStart!);
        using JsonDocument audit = JsonDocument.Parse(line);
        JsonElement entry = audit.RootElement;
        Assert.Equal("2026-06-15T12:00:00Z", entry.GetProperty("time").GetString());
        Assert.Equal(["192.0.2.127", "127.0.0.1", $"-iL {targets}"], entry.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("T:22,80-82,U:53", entry.GetProperty("ports").GetString());
        Assert.Equal("TICKET-4242", entry.GetProperty("reference").GetString());
        Assert.Equal("Jane Doe, network owner", entry.GetProperty("authorized_by").GetString());
        Assert.Equal("2026-12-31", entry.GetProperty("expires").GetString());
    }

    [Fact]
    public async Task AuditLog_IsAppended_OneLinePerScan()
    {
        using var cli = Blocked();
        string scope = cli.File("scope.txt", Scope);

        await cli.RunAsync("192.0.2.1", "-p", "80", "--scope", scope);
        await cli.RunAsync("192.0.2.2", "-p", "443", "--scope", scope);

        Assert.Equal(["T:80", "T:443"], File.ReadAllLines(cli.AuditLog).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("ports").GetString()));
    }

    [Fact]
    public async Task UnwritableAuditLog_Exit5_NothingSent()
    {
        using var cli = Blocked();
        string scope = cli.File("scope.txt", Scope);
        // A path under a regular file cannot be created, even by root.
        string audit = Path.Combine(cli.File("not-a-directory", ""), "audit.log");

        var (code, output, error) = await cli.RunAsync("192.0.2.1", "-p", "80", "--scope", scope, "--audit-log", audit);

        Assert.Equal((5, ""), (code, output));
        Assert.StartsWith($"inetkit: scan refused: the audit log {audit} cannot be written (", error, StringComparison.Ordinal);
        Assert.EndsWith($"), and a scan beyond loopback must not run unrecorded; fix it or choose another with --audit-log. {Warning}\n", error, StringComparison.Ordinal);
        Assert.False(cli.Started);
    }

    private static ScanCli Blocked(DateTimeOffset? now = null) => new(new FakeTimeProvider(now ?? InTime)) { BlockScan = true };

    private static void AssertNothingHappened(ScanCli cli)
    {
        Assert.False(cli.Started, "the hook before the first probe ran");
        Assert.Empty(cli.Lookups);
        Assert.False(File.Exists(cli.AuditLog), "an audit line was written for a refused scan");
    }

    /// <summary>The scope allowed the scan: it got as far as the hook, which stopped it in place of the first probe.</summary>
    private static void AssertAllowedButBlocked(ScanCli cli, int code)
    {
        Assert.True(cli.Started, "the scan was refused");
        Assert.Equal(1, code); // the hook's exception, reported as an unexpected error
        Assert.NotNull(cli.AuditAtStart);
    }
}
