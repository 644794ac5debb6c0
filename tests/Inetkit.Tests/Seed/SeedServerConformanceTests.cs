using System.Net;
using Inetkit.Conformance;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Seed;

/// <summary>
/// The conformance suite against the seed note's own Python servers, unchanged except for the port: what
/// <c>inetkit check</c> tells a student whose server is the note's. Needs python3 (CI installs it).
/// </summary>
public sealed class SeedServerConformanceTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromSeconds(1), Retries = 2 };

    private static readonly int[] LargerThan4096 = [4097, 8192, 65507];

    [Fact]
    public async Task Example1_TheOneShotUdpEcho_IsReportedAsServingOneDatagramOnly()
    {
        using var timeout = TestTimeout.Create();
        int port = FreePorts.ForTcpAndUdp(1)[0];
        await using ChildProcess server = Python.StartServer("udp_echo_service.py", port);
        await server.Out.WaitForLineAsync(l => l == "receiving...", timeout.Token);
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);

        Assert.False((await CheckAsync(endPoint, ServiceKind.Echo, Transport.Tcp, timeout.Token)).Served);
        Dictionary<string, CaseResult> results = ByCase(await CheckAsync(endPoint, ServiceKind.Echo, Transport.Udp, timeout.Token));

        // The first datagram is echoed; then the program has ended, and the rest draw ICMP port unreachable.
        ConformanceChecks.Verdicts(results, Verdict.Pass, "echo/udp/datagram-1");
        foreach (string id in new[] { "echo/udp/datagram-512", "echo/udp/datagram-1472", "echo/udp/datagram-4097", "echo/udp/datagram-8192", "echo/udp/datagram-65507", "echo/udp/empty-datagram" })
        {
            Assert.StartsWith($"it served one datagram only ({endPoint} (echo/udp) answered with ICMP port unreachable", ConformanceChecks.Got(results, id, Verdict.Fail), StringComparison.Ordinal);
        }
        ConformanceChecks.Verdicts(results, Verdict.Fail, "echo/udp/reply-from-server-port");
        Assert.Equal(0, await server.WaitForExitAsync(timeout.Token));
        Assert.Contains("sent b'", server.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Example2_ThePersistentUdpEcho_CutsDatagramsLargerThanItsRecvfrom4096()
    {
        using var timeout = TestTimeout.Create();
        int port = FreePorts.ForTcpAndUdp(1)[0];
        await using ChildProcess server = Python.StartServer("udp_echo_service_loop.py", port);
        await server.Out.WaitForLineAsync(l => l == "bound", timeout.Token);
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);

        Assert.False((await CheckAsync(endPoint, ServiceKind.Echo, Transport.Tcp, timeout.Token)).Served);
        Dictionary<string, CaseResult> results = ByCase(await CheckAsync(endPoint, ServiceKind.Echo, Transport.Udp, timeout.Token));

        ConformanceChecks.Verdicts(results, Verdict.Pass, "echo/udp/datagram-1", "echo/udp/datagram-512", "echo/udp/datagram-1472", "echo/udp/empty-datagram", "echo/udp/reply-from-server-port");
        foreach (int size in LargerThan4096)
        {
            string got = ConformanceChecks.Got(results, $"echo/udp/datagram-{size}", Verdict.Fail);
            Assert.StartsWith($"4,096 bytes where {size:N0} were expected", got, StringComparison.Ordinal);
            Assert.Contains("recvfrom(4096)", got, StringComparison.Ordinal);
        }
        // It answers whoever sends, a port below 1024 too (sending from one needs root).
        ConformanceChecks.Verdicts(results, Environment.UserName == "root" ? Verdict.Warn : Verdict.Skip, "echo/udp/low-source-port");
        Assert.False(server.HasExited);
    }

    [Fact]
    public async Task TheTcpQotdService_ServesItsQuoteOverTcp_AndNothingOverUdp()
    {
        using var timeout = TestTimeout.Create();
        int port = FreePorts.ForTcpAndUdp(1)[0];
        await using ChildProcess server = Python.StartServer("tcp_qotd_service.py", port);
        await server.Out.WaitForLineAsync(l => l == "listening", timeout.Token);
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);

        ServiceCheck udp = await CheckAsync(endPoint, ServiceKind.Qotd, Transport.Udp, timeout.Token);
        Dictionary<string, CaseResult> results = ByCase(await CheckAsync(endPoint, ServiceKind.Qotd, Transport.Tcp, timeout.Token));

        Assert.False(udp.Served);
        Assert.All(udp.Results, r => Assert.Equal(Verdict.Skip, r.Verdict));
        const string Quote = "Object oriented programs are offered as alternatives to correct ones.";
        Assert.Equal($"{Quote.Length} bytes, then the server closed", ConformanceChecks.Got(results, "qotd/tcp/one-message-then-close", Verdict.Pass));
        Assert.StartsWith($"{Quote.Length} ", ConformanceChecks.Got(results, "qotd/tcp/under-512-characters", Verdict.Pass), StringComparison.Ordinal);
        ConformanceChecks.Verdicts(results, Verdict.Pass, "qotd/tcp/printable-ascii");
        // It never reads: what we send makes its close a reset whenever our bytes arrive first.
        ConformanceChecks.ClosedOrResetAfterMessage(results, "qotd/tcp/input-ignored");
    }

    private static async Task<ServiceCheck> CheckAsync(IPEndPoint server, ServiceKind service, Transport transport, CancellationToken cancellationToken)
    {
        ServiceCheck check = await ConformanceRunner.RunAsync(server, service, transport, ConformanceSuite.All, Options, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"{service}/{transport} at {server}: served {check.Served}");
        ConformanceChecks.Report(check.Results);
        return check;
    }

    private static Dictionary<string, CaseResult> ByCase(ServiceCheck check)
    {
        Assert.True(check.Served, $"{check.Service}/{check.Transport} is not served at {check.Server}");
        return check.Results.ToDictionary(r => r.Case.Id);
    }
}
