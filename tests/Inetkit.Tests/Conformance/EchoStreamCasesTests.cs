using System.Net;
using System.Net.Sockets;
using Inetkit.Conformance;
using Inetkit.Hosting;
using Inetkit.Protocol;
using Inetkit.Tests.Support;

namespace Inetkit.Tests.Conformance;

/// <summary>Each echo/tcp case against a server with exactly its defect, and Inetkit's own passing them all.</summary>
public sealed class EchoStreamCasesTests
{
    private static readonly CheckOptions Options = new() { Timeout = TimeSpan.FromMilliseconds(500), Retries = 1 };

    private static async Task<Dictionary<string, CaseResult>> CheckTcpAsync(IPEndPoint server)
    {
        ServiceCheck check = await ConformanceRunner.RunAsync(server, ServiceKind.Echo, Transport.Tcp, ConformanceSuite.All, Options, TestContext.Current.CancellationToken);
        Assert.True(check.Served);
        return check.Results.ToDictionary(r => r.Case.Id);
    }

    /// <summary>Echoes until the client's FIN, at most <paramref name="limit"/> bytes; <paramref name="closeAtEof"/> false keeps the connection open after it.</summary>
    private static Func<Socket, CancellationToken, Task> Echo(long limit = long.MaxValue, bool closeAtEof = true) => async (client, ct) =>
    {
        byte[] buffer = new byte[16384];
        long echoed = 0;
        int read;
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
        {
            int keep = (int)Math.Min(read, Math.Max(0, limit - echoed));
            if (keep > 0)
            {
                await client.SendAsync(buffer.AsMemory(0, keep), SocketFlags.None, ct);
            }
            echoed += keep;
        }
        if (!closeAtEof)
        {
            // Never closes: waits for the server's stop.
            await Task.Delay(Timeout.Infinite, ct);
        }
    };

    [Fact]
    public async Task InetkitsOwnEcho_PassesEveryTcpCase()
    {
        await using InetServer server = await Servers.StartAsync(ServiceKind.Echo);

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint(ServiceKind.Echo, Transport.Tcp));

        Assert.Equal(ConformanceSuite.Matching("echo/tcp/*").Select(c => c.Id).Order(), results.Keys.Order());
        Assert.All(results.Values, r => Assert.True(r.Verdict == Verdict.Pass, $"{r.Case.Id}: {r.Verdict}: {r.Got}"));
    }

    [Fact]
    public async Task AnEchoThatStopsAfter64KB_FailsTheLargeCases_WithWhereItStopped()
    {
        await using var server = DefectServer.Tcp(Echo(limit: 65536));

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal(Verdict.Fail, results["echo/tcp/1mib-small-pieces"].Verdict);
        Assert.Equal("65,536 bytes where 1,048,576 were expected: the first 65,536 match, then nothing more came (then nothing within 500 ms)", results["echo/tcp/1mib-large-pieces"].Got);
        Assert.Equal(Verdict.Fail, results["echo/tcp/half-close"].Verdict);
        Assert.Equal(Verdict.Pass, results["echo/tcp/one-byte"].Verdict);
        Assert.Equal(Verdict.Pass, results["echo/tcp/line"].Verdict);
    }

    [Fact]
    public async Task AnEchoThatNeverCloses_FailsTheHalfCloseCaseOnly()
    {
        await using var server = DefectServer.Tcp(Echo(closeAtEof: false));

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal((Verdict.Fail, "all 262,144 bytes back, but then nothing within 500 ms: the server did not close after our half-close"), (results["echo/tcp/half-close"].Verdict, results["echo/tcp/half-close"].Got));
        Assert.All(results.Values.Where(r => r.Case.Id != "echo/tcp/half-close"), r => Assert.Equal(Verdict.Pass, r.Verdict));
    }

    [Fact]
    public async Task AnEchoThatClosesAfterItsFirstRead_FailsWhatNeedsMore()
    {
        await using var server = DefectServer.Tcp(async (client, ct) =>
        {
            byte[] buffer = new byte[16384];
            int read = await client.ReceiveAsync(buffer, SocketFlags.None, ct);
            await client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, ct);
        });

        Dictionary<string, CaseResult> results = await CheckTcpAsync(server.EndPoint);

        Assert.Equal(Verdict.Pass, results["echo/tcp/one-byte"].Verdict);
        Assert.Equal(Verdict.Fail, results["echo/tcp/1mib-large-pieces"].Verdict);
        Assert.EndsWith(")", results["echo/tcp/1mib-large-pieces"].Got, StringComparison.Ordinal);
    }
}
