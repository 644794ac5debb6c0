using System.Net;
using System.Text.Json;
using Inetkit.Scanning;

namespace Inetkit.Tests.Scanning;

/// <summary>The authorization rule, decided without a socket or a name lookup.</summary>
public sealed class ScanAuthorizationTests
{
    private static readonly DateTimeOffset Today = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static readonly ScanScope Scope = ScanScope.Parse("""
        authorized-by: Jane Doe
        reference: TICKET-4242
        expires: 2026-12-31
        192.0.2.0/24
        host.example.org
        """, "scope.txt");

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.0/16")]
    [InlineData("127.1.2.3-9")]
    [InlineData("::1")]
    [InlineData("localhost")]
    [InlineData("app.localhost")]
    public void Loopback_NeedsNoScope(string target)
    {
        ScanAuthorization.CheckBeforeResolving(TargetSpec.Parse([target]), null, Today);
    }

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("126.255.255.255-127.0.0.1")]
    [InlineData("::2")]
    [InlineData("host.example.org")]
    [InlineData("127.0.0.1,198.51.100.1")]
    public void BeyondLoopback_WithoutScope_IsRefusedWithTheSeedsWarning(string targets)
    {
        var e = Assert.Throws<UnauthorizedScanException>(() => ScanAuthorization.CheckBeforeResolving(TargetSpec.Parse(targets.Split(',')), null, Today));

        Assert.Contains("no --scope file authorizes scanning it", e.Message, StringComparison.Ordinal);
        Assert.EndsWith(ScanAuthorization.Warning, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.0/24")]
    [InlineData("192.0.2.7")]
    [InlineData("192.0.2.250-255")]
    [InlineData("HOST.example.org")]
    [InlineData("127.0.0.1")]
    public void InsideAValidScope_IsAllowed(string target)
    {
        ScanAuthorization.CheckBeforeResolving(TargetSpec.Parse([target]), Scope, Today);
    }

    [Theory]
    [InlineData("192.0.2.0/23", "is outside the scope of TICKET-4242")]
    [InlineData("192.0.3.0", "is outside the scope of TICKET-4242")]
    [InlineData("other.example.org", "is not named in the scope of TICKET-4242")]
    public void OutsideTheScope_IsRefused(string target, string reason)
    {
        var e = Assert.Throws<UnauthorizedScanException>(() => ScanAuthorization.CheckBeforeResolving(TargetSpec.Parse([target]), Scope, Today));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpiredScope_IsRefused_EvenForTargetsInside()
    {
        var e = Assert.Throws<UnauthorizedScanException>(() => ScanAuthorization.CheckBeforeResolving(TargetSpec.Parse(["192.0.2.1"]), Scope, new DateTimeOffset(2027, 1, 1, 0, 0, 1, TimeSpan.Zero)));

        Assert.Contains("the scope TICKET-4242 expired on 2026-12-31", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolvedAddresses_AreCheckedToo()
    {
        ScanAuthorization.CheckResolved("host.example.org", [IPAddress.Parse("192.0.2.10")], Scope, Today);
        ScanAuthorization.CheckResolved("localhost", [IPAddress.Loopback, IPAddress.IPv6Loopback], null, Today);

        var e = Assert.Throws<UnauthorizedScanException>(() => ScanAuthorization.CheckResolved("host.example.org", [IPAddress.Parse("192.0.2.10"), IPAddress.Parse("198.51.100.9")], Scope, Today));
        Assert.Contains("host.example.org resolves to 198.51.100.9, which is outside the scope", e.Message, StringComparison.Ordinal);
        Assert.Throws<UnauthorizedScanException>(() => ScanAuthorization.CheckResolved("evil.localhost", [IPAddress.Parse("192.0.2.10")], null, Today));
    }

    [Fact]
    public void AuditLog_AppendsOneJsonLinePerScan()
    {
        string path = Path.Combine(Path.GetTempPath(), $"inetkit-audit-{Guid.NewGuid():N}", "audit.log");
        try
        {
            ScanAuditLog.Append(path, Today, ["192.0.2.0/28"], "1-1024", Scope);
            ScanAuditLog.Append(path, Today.AddMinutes(5), ["host.example.org"], "22", Scope);

            string[] lines = File.ReadAllLines(path);
            Assert.Equal(2, lines.Length);
            using JsonDocument first = JsonDocument.Parse(lines[0]);
            Assert.Equal("2026-11-24T12:00:00Z", first.RootElement.GetProperty("time").GetString());
            Assert.Equal("192.0.2.0/28", first.RootElement.GetProperty("targets")[0].GetString());
            Assert.Equal("1-1024", first.RootElement.GetProperty("ports").GetString());
            Assert.Equal("TICKET-4242", first.RootElement.GetProperty("reference").GetString());
            Assert.Equal("Jane Doe", first.RootElement.GetProperty("authorized_by").GetString());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
    [Fact]
    public async Task AuditLog_ShardsAppendingAtOnce_LoseNoLine()
    {
        // As the shards of one job on one node do: each its own open of the same log, all at once.
        string path = Path.Combine(Path.GetTempPath(), $"inetkit-audit-{Guid.NewGuid():N}", "audit.log");
        try
        {
            const int Writers = 8, Each = 40;
            using var start = new Barrier(Writers);
            // Threads of their own: eight pool threads blocked at the barrier would wait for the pool to grow.
            await Task.WhenAll(Enumerable.Range(1, Writers).Select(w => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                for (int i = 0; i < Each; i++)
                {
                    ScanAuditLog.Append(path, Today, [$"192.0.2.{w}"], $"{i}", Scope, shard: new ScanShard(w, Writers));
                }
            }, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

            string[] lines = File.ReadAllLines(path);
            var seen = lines.Select(line =>
            {
                using JsonDocument entry = JsonDocument.Parse(line);
                return (entry.RootElement.GetProperty("shard").GetString(), entry.RootElement.GetProperty("ports").GetString());
            }).ToHashSet();
            Assert.Equal(Writers * Each, lines.Length);
            Assert.Equal(Writers * Each, seen.Count);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
