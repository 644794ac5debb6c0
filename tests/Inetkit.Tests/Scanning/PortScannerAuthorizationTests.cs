using System.Net;
using Inetkit.Scanning;
using Microsoft.Extensions.Time.Testing;

namespace Inetkit.Tests.Scanning;

/// <summary>
/// The library refuses what the command refuses. The targets are the unspecified addresses: not loopback by the
/// rule, yet a connect to them reaches this machine, so even a broken check could send nothing beyond it.
/// </summary>
public sealed class PortScannerAuthorizationTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public async Task HostBeyondLoopback_WithoutScope_IsRefused(string address)
    {
        var plan = new ScanPlan([new ScanHost(IPAddress.Parse(address))], [80], []);

        var e = await Assert.ThrowsAsync<UnauthorizedScanException>(() => new PortScanner(new ScanOptions(), Clock).RunAsync(plan, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("no --scope file", e.Message, StringComparison.Ordinal);
        Assert.Contains(ScanAuthorization.Warning, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostOutsideTheScope_IsRefused_AndSoIsAnExpiredScope()
    {
        var host = new ScanHost(IPAddress.Any);
        ScanScope elsewhere = ScanScope.Parse("authorized-by: Jane Doe\nreference: T-1\nexpires: 2026-12-31\n192.0.2.0/24\n", "scope.txt");
        ScanScope expired = ScanScope.Parse("authorized-by: Jane Doe\nreference: T-2\nexpires: 2026-11-23\n0.0.0.0/32\n", "scope.txt");

        var outside = await Assert.ThrowsAsync<UnauthorizedScanException>(() => new PortScanner(new ScanOptions(), Clock).RunAsync(new ScanPlan([host], [80], [], scope: elsewhere), cancellationToken: TestContext.Current.CancellationToken));
        var late = await Assert.ThrowsAsync<UnauthorizedScanException>(() => new PortScanner(new ScanOptions(), Clock).RunAsync(new ScanPlan([host], [80], [], scope: expired), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("outside the scope of T-1", outside.Message, StringComparison.Ordinal);
        Assert.Contains("expired on 2026-11-23", late.Message, StringComparison.Ordinal);
    }
}
