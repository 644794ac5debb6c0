using System.Net;
using System.Net.Sockets;
using Inetkit.Conformance;
using Inetkit.Protocol;

namespace Inetkit.Tests.Support;

/// <summary>Runs a service's cases at a server over the given transports, and stream handlers for defect servers.</summary>
internal static class ConformanceChecks
{
    /// <summary>The cases every UDP service shares (reply source, amplification, low source port): DatagramCasesTests has their defects.</summary>
    public static bool IsShared(ConformanceCase c) => DatagramCases.For(c.Service, c.Rfc, "").Any(shared => shared.Id == c.Id);

    /// <summary>
    /// Every case's result by id, but for the shared UDP cases, which a defect server written for one service's
    /// own cases does not care to pass; each transport must be served.
    /// </summary>
    public static Task<Dictionary<string, CaseResult>> RunAsync(IPEndPoint server, ServiceKind service, CheckOptions options, params Transport[] transports) =>
        RunAsync(server, service, options, ConformanceSuite.All.Where(c => !IsShared(c)), transports);

    /// <summary>The results of <paramref name="cases"/> by id; each transport must be served.</summary>
    public static async Task<Dictionary<string, CaseResult>> RunAsync(IPEndPoint server, ServiceKind service, CheckOptions options, IEnumerable<ConformanceCase> cases, params Transport[] transports)
    {
        var results = new Dictionary<string, CaseResult>();
        foreach (Transport transport in transports)
        {
            ServiceCheck check = await ConformanceRunner.RunAsync(server, service, transport, cases, options, TestContext.Current.CancellationToken);
            Assert.True(check.Served, $"{service}/{transport} is not served at {server}");
            foreach (CaseResult result in check.Results)
            {
                results[result.Case.Id] = result;
            }
        }
        return results;
    }

    /// <summary>
    /// Runs every service's cases, the shared UDP ones too, over the transports given at a real server on
    /// <paramref name="address"/>, one port per service, and writes each result to the test's output (what
    /// the tables of docs/conformance.md are written from).
    /// </summary>
    public static async Task<Dictionary<string, CaseResult>> RunAllAsync(IPAddress address, IReadOnlyDictionary<ServiceKind, int> ports, CheckOptions options, params Transport[] transports)
    {
        var results = new Dictionary<string, CaseResult>();
        foreach ((ServiceKind service, int port) in ports)
        {
            foreach ((string id, CaseResult result) in await RunAsync(new IPEndPoint(address, port), service, options, ConformanceSuite.All, transports))
            {
                results[id] = result;
            }
        }
        Report(results.Values);
        return results;
    }

    /// <summary>One line per result in the test's output: id, verdict, and what came back.</summary>
    public static void Report(IEnumerable<CaseResult> results)
    {
        foreach (CaseResult result in results)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{result.Case.Id} | {result.Verdict} | {result.Got}");
        }
    }

    /// <summary>
    /// Asserts that each case named has <paramref name="verdict"/> (saying what it got if not). The cases not named
    /// are not looked at: a real server's test names what it found, and the suite grows.
    /// </summary>
    public static void Verdicts(Dictionary<string, CaseResult> results, Verdict verdict, params string[] ids)
    {
        foreach (string id in ids)
        {
            Assert.True(results.TryGetValue(id, out CaseResult? result), $"{id} did not run");
            Assert.True(result.Verdict == verdict, $"{id}: {result.Verdict} where {verdict} was expected: {result.Got}");
        }
    }

    /// <summary>What case <paramref name="id"/> got, once its verdict is asserted to be <paramref name="verdict"/>.</summary>
    public static string Got(Dictionary<string, CaseResult> results, string id, Verdict verdict)
    {
        Verdicts(results, verdict, id);
        return results[id].Got;
    }

    /// <summary>
    /// A server that closes without reading what it was sent (the seed's QOTD, the inetds' daytime) resets the
    /// connection when the request beat its close, and closes it cleanly when it did not: which one a run sees is
    /// the scheduler's. The case passes either way, and says which it saw.
    /// </summary>
    public static void ClosedOrResetAfterMessage(Dictionary<string, CaseResult> results, string id)
    {
        CaseResult result = results[id];
        Assert.True(
            result.Verdict == Verdict.Pass && (result.Got.EndsWith(" bytes, then the server closed", StringComparison.Ordinal)
                || result.Got.Contains(" bytes, then a reset: the server closed without reading what we sent", StringComparison.Ordinal)),
            $"{id}: {result.Verdict}: {result.Got}");
    }

    /// <summary>Asserts that the cases named have <paramref name="verdict"/> and every other case passed.</summary>
    public static void OnlyThese(Dictionary<string, CaseResult> results, Verdict verdict, params string[] ids) =>
        Assert.All(results.Values, r => Assert.True(r.Verdict == (ids.Contains(r.Case.Id) ? verdict : Verdict.Pass), $"{r.Case.Id}: {r.Verdict}: {r.Got}"));

    /// <summary>
    /// Reads until the client's FIN, sending back at most <paramref name="echoLimit"/> bytes in all (0: a discard),
    /// then closes, or with <paramref name="closeAtEof"/> false stays open until the server stops.
    /// </summary>
    public static Func<Socket, CancellationToken, Task> Reader(long echoLimit, bool closeAtEof = true) => async (client, ct) =>
    {
        byte[] buffer = new byte[65536];
        long echoed = 0;
        int read;
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
        {
            int keep = (int)Math.Min(read, Math.Max(0, echoLimit - echoed));
            if (keep > 0)
            {
                await client.SendAsync(buffer.AsMemory(0, keep), SocketFlags.None, ct);
                echoed += keep;
            }
        }
        if (!closeAtEof)
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
    };
}
